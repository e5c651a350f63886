//! The web pages, for the people the registry is for: server-rendered (askama templates under
//! `templates/web/`), working with no script, over the same use cases as the JSON API. Sessions
//! and form tokens are `session`, the frame of every page is `page`, and a page that cannot do
//! what was asked answers through `error`. One file per area.

pub mod assets;
pub mod audit;
pub mod audits;
pub mod chart;
pub mod competences;
pub mod dashboard;
pub mod error;
pub mod evidence;
pub mod fields;
pub mod home;
pub mod imports;
pub mod live;
pub mod log_form;
pub mod login;
pub mod page;
pub mod people;
pub mod person_form;
pub mod policy;
pub mod records;
pub mod reminders;
pub mod report_filters;
pub mod reports;
pub mod services;
pub mod session;
pub mod settings;
pub mod sign_off;
pub mod supervision;
pub mod training;
pub mod verification;
pub mod words;

use actix_web::web;

use crate::http::resource;

/// The pages, at the root beside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(assets::routes)
        .service(
            resource("/login", "GET, POST")
                .route(web::get().to(login::show))
                .route(web::post().to(login::submit)),
        )
        .service(
            resource("/forgot-password", "GET, POST")
                .route(web::get().to(login::forgot))
                .route(web::post().to(login::send_reset)),
        )
        .service(resource("/logout", "POST").route(web::post().to(login::log_out)))
        .service(resource("/", "GET").route(web::get().to(home::show)))
        .service(resource("/supervision/new", "GET").route(web::get().to(supervision::new_log)))
        .service(
            resource("/supervision", "GET, POST")
                .route(web::get().to(supervision::list))
                .route(web::post().to(supervision::create)),
        )
        .service(resource("/supervision/{id}/edit", "GET").route(web::get().to(supervision::edit)))
        .service(
            resource("/supervision/{id}/withdraw", "GET, POST")
                .route(web::get().to(supervision::confirm_withdraw))
                .route(web::post().to(supervision::withdraw)),
        )
        .service(resource("/supervision/{id}", "POST").route(web::post().to(supervision::update)))
        .service(
            resource("/sign-off", "GET, POST")
                .route(web::get().to(sign_off::queue))
                .route(web::post().to(sign_off::sign_off)),
        )
        .service(
            resource("/sign-off/{log_id}/reject", "GET, POST")
                .route(web::get().to(sign_off::confirm_reject))
                .route(web::post().to(sign_off::reject)),
        )
        .service(resource("/dashboard", "GET").route(web::get().to(dashboard::show)))
        .service(resource("/reports", "GET").route(web::get().to(reports::index)))
        .service(resource("/audit", "GET").route(web::get().to(audit::show)))
        .service(resource("/reminders", "GET").route(web::get().to(reminders::show)))
        .service(resource("/courses", "GET").route(web::get().to(training::courses)))
        .service(
            resource("/services", "GET, POST")
                .route(web::get().to(services::show))
                .route(web::post().to(services::add)),
        )
        .service(
            resource("/policy", "GET, POST")
                .route(web::get().to(policy::show))
                .route(web::post().to(policy::save)),
        )
        .service(resource("/frameworks", "GET").route(web::get().to(training::frameworks)))
        .service(resource("/supervisors", "GET").route(web::get().to(training::supervisors)))
        .service(resource("/reminders/run", "POST").route(web::post().to(reminders::run_now)))
        .service(
            resource("/people", "GET, POST")
                .route(web::get().to(people::list))
                .route(web::post().to(person_form::add)),
        )
        .service(resource("/people/new", "GET").route(web::get().to(person_form::new_person)))
        .service(
            resource("/people/{id}", "GET, POST")
                .route(web::get().to(people::show))
                .route(web::post().to(person_form::change)),
        )
        .service(
            resource("/people/{id}/edit", "GET").route(web::get().to(person_form::edit_person)),
        )
        .service(
            resource("/people/{id}/evidence/{how}", "GET")
                .route(web::get().to(evidence::person_pack)),
        )
        .service(
            resource("/people/{id}/deactivate", "POST")
                .route(web::post().to(person_form::deactivate)),
        )
        .service(resource("/verification", "GET").route(web::get().to(verification::show)))
        .service(resource("/audits", "GET").route(web::get().to(audits::show)))
        .service(resource("/audits/{id}", "POST").route(web::post().to(audits::change)))
        .service(resource("/verification/{id}", "POST").route(web::post().to(verification::record)))
        .service(resource("/reports/{name}", "GET").route(web::get().to(reports::show)))
        .service(resource("/imports/new", "GET").route(web::get().to(imports::new_import)))
        .service(resource("/imports", "POST").route(web::post().to(imports::upload)))
        .service(resource("/records", "GET").route(web::get().to(records::show)))
        .service(resource("/records/{kind}/new", "GET").route(web::get().to(records::new_record)))
        .service(resource("/records/{kind}", "POST").route(web::post().to(records::add_record)))
        .service(resource("/evidence", "GET").route(web::get().to(evidence::show)))
        .service(resource("/evidence/{how}", "GET").route(web::get().to(evidence::pack_file)))
        .service(resource("/settings", "GET").route(web::get().to(settings::show)))
        .service(
            resource("/settings/calendar/rotate", "POST")
                .route(web::post().to(settings::rotate_feed)),
        )
        .service(
            resource("/settings/reminders", "POST").route(web::post().to(settings::set_reminders)),
        )
        .service(resource("/settings/about-me", "POST").route(web::post().to(settings::set_about)))
        .service(
            resource("/supervisees/{id}/competences", "GET, POST")
                .route(web::get().to(competences::show))
                .route(web::post().to(competences::assess)),
        )
        .service(
            resource("/supervisees/{id}/live-assessments", "GET, POST")
                .route(web::get().to(live::show))
                .route(web::post().to(live::record)),
        )
        .service(resource("/supervisees", "GET").route(web::get().to(sign_off::supervisees)));
}
