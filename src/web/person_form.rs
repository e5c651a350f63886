//! Adding a person (`/people/new`, `POST /people`: their invitation is emailed) and
//! deactivating one (`POST /people/{id}/deactivate`), for training leads (their service) and
//! admins. Over `people::add_person` and `people::deactivate_person`, as the API's
//! `POST /practitioners` and `DELETE /practitioners/{id}`: the same checks, every problem shown.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::PageError;
use super::fields::FormView;
use super::log_form::day;
use super::page::{render, see_other, Chrome};
use super::session::{Posted, Signed};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area, PeopleScope, Role};
use crate::error::{AppError, FieldError};
use crate::people::{NewPractitioner, Stage};

const LABELS: &[(&str, &str)] = &[
    ("email", "Email address"),
    ("full_name", "Full name"),
    ("service_id", "Service"),
    ("practitioner_role", "Role"),
    ("stage", "Stage"),
    ("wte", "Whole-time equivalent"),
    ("started_on", "Start in post"),
    ("roles", "What they do in the registry"),
];

#[derive(Template)]
#[template(path = "web/person_new.html")]
struct NewPage {
    chrome: Chrome,
    /// Where the form posts, and whether it changes someone already there.
    action: String,
    editing: bool,
    f: FormView,
    services: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    stages: Vec<(String, String)>,
    /// The registry roles a caller may give, with whether each is ticked.
    access: Vec<(&'static str, &'static str, bool)>,
}

fn leader(signed: &Signed) -> Result<(), PageError> {
    if may_open(&signed.caller, Area::Leading) {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

/// The add form (`editing`: the change form of that person, with their name as its title).
struct Editing {
    id: String,
    name: String,
}

async fn form_page(
    state: &AppState,
    signed: &Signed,
    f: FormView,
    ticked: Vec<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    form_of(state, signed, f, ticked, status, None).await
}

async fn form_of(
    state: &AppState,
    signed: &Signed,
    f: FormView,
    ticked: Vec<String>,
    status: StatusCode,
    editing: Option<Editing>,
) -> Result<HttpResponse, PageError> {
    leader(signed)?;
    let scope = crate::auth::policy::people_scope(&signed.caller);
    let (services, roles) = state
        .db(move |conn| {
            let services = crate::services::list_services(
                conn,
                &crate::http::page::PageRequest::everything(),
            )?
            .into_iter()
            .filter(|s| match &scope {
                Some(PeopleScope::Service(mine)) => *mine == s.id,
                _ => true,
            })
            .map(|s| (s.id, s.name))
            .collect();
            let roles = crate::supervision::queries::practitioner_roles(conn)?
                .into_iter()
                .map(|r| (r.clone(), r.replace('_', " ")))
                .collect();
            Ok((services, roles))
        })
        .await?;
    let mut access = vec![
        (
            "practitioner",
            "Practitioner: records their own supervision",
            true,
        ),
        (
            "supervisor",
            "Supervisor: countersigns others' sessions",
            false,
        ),
        (
            "training_lead",
            "Training lead: runs the service's training and checks",
            false,
        ),
    ];
    if signed.caller.roles.contains(&Role::Admin) {
        access.push(("admin", "Admin: runs the registry", false));
    }
    if !ticked.is_empty() {
        for a in access.iter_mut() {
            a.2 = ticked.iter().any(|t| t == a.0);
        }
    }
    render(
        status,
        &NewPage {
            chrome: Chrome::signed_in(
                &signed.caller,
                &signed.csrf,
                &editing
                    .as_ref()
                    .map(|e| format!("Change {}", e.name))
                    .unwrap_or_else(|| "Add a person".into()),
                "/people",
            ),
            action: editing
                .as_ref()
                .map(|e| format!("/people/{}", e.id))
                .unwrap_or_else(|| "/people".into()),
            editing: editing.is_some(),
            f,
            services,
            roles,
            stages: vec![
                ("trainee".into(), "Trainee".into()),
                ("qualified".into(), "Qualified".into()),
            ],
            access,
        },
    )
}

pub async fn new_person(
    state: web::Data<AppState>,
    signed: Signed,
) -> Result<HttpResponse, PageError> {
    form_page(
        &state,
        &signed,
        FormView::empty(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The fields a form types that are not text: the WTE (`0,8` is read as 0.8) and the start in
/// post; each one unreadable is a problem named by its field.
fn post_fields(
    form: &super::session::Form,
    errors: &mut Vec<FieldError>,
) -> (Option<f64>, Option<chrono::NaiveDate>) {
    let wte = form.get("wte").and_then(|v| {
        v.replace(',', ".").parse::<f64>().ok().or_else(|| {
            errors.push(FieldError::new("wte", "must be a number from 0.1 to 1.0"));
            None
        })
    });
    let started_on = form.get("started_on").and_then(|v| {
        day(v).or_else(|| {
            errors.push(FieldError::new(
                "started_on",
                "must be a real date, like 28 11 2026",
            ));
            None
        })
    });
    (wte, started_on)
}

pub async fn add(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    leader(&signed)?;
    let mut errors = Vec::new();
    let (wte, started_on) = post_fields(&form, &mut errors);
    let ticked = form.all("roles");
    let mut roles = Vec::new();
    for r in &ticked {
        match Role::parse(r) {
            Some(role) => roles.push(role),
            None => errors.push(FieldError::new(
                "roles",
                "has a role the registry does not know",
            )),
        }
    }
    let service_id = form.get("service_id").unwrap_or_default().to_string();
    let input = NewPractitioner {
        email: form.get("email").unwrap_or_default().to_string(),
        full_name: form.get("full_name").unwrap_or_default().to_string(),
        service_id: service_id.clone(),
        practitioner_role: form.get("practitioner_role").map(str::to_string),
        stage: form.get("stage").and_then(Stage::parse),
        wte,
        roles,
        started_on,
        esr_assignment_number: None,
        password: None,
    };
    // Every problem at once: the form's own, then the addition's, as the API checks them.
    let checked = crate::people::may_add(&signed.caller, &input);
    let outcome = if let Err(e) = checked {
        Err(e)
    } else if errors.is_empty() {
        let caller = signed.caller.clone();
        let inviting = crate::people::Inviting {
            keys: state.tokens.clone(),
            ttl_days: state.settings.invitation_ttl_days,
        };
        let at = state.clock.now();
        state
            .write(move |conn| crate::people::add_person(conn, &caller, input, None, &inviting, at))
            .await
    } else {
        Err(AppError::Validation(Vec::new()))
    };
    let (mut more, status) = match outcome {
        Ok((_, invitation)) => {
            if let Some((delivery, _)) = invitation {
                crate::outbox::send_soon(&state, Some(delivery));
            }
            return Ok(see_other("/people?done=added"));
        }
        Err(AppError::Validation(e)) => (e, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::Conflict(why)) => (vec![FieldError::new("email", why)], StatusCode::CONFLICT),
        Err(AppError::Forbidden(why)) => (
            vec![FieldError::new("service_id", why)],
            StatusCode::FORBIDDEN,
        ),
        Err(e) => return Err(e.into()),
    };
    errors.append(&mut more);
    let f = FormView::again(form, &errors, LABELS);
    form_page(&state, &signed, f, ticked, status).await
}

pub async fn deactivate(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, .. } = posted;
    leader(&signed)?;
    let id = crate::http::parse_id(&id).map_err(|_| AppError::NotFound)?;
    let caller = signed.caller.clone();
    let at = state.clock.now();
    let pid = id.clone();
    state
        .write(move |conn| crate::people::deactivate_person(conn, &caller, &pid, at))
        .await?;
    state.callers.forget(&id);
    Ok(see_other(&format!("/people/{id}?done=deactivated")))
}

/// The fields of a person the change form shows, as they are now.
fn current(p: &crate::people::Person) -> Vec<(String, String)> {
    let mut out = vec![
        ("email".to_string(), p.email.clone()),
        ("full_name".to_string(), p.full_name.clone()),
        (
            "practitioner_role".to_string(),
            p.practitioner_role.clone().unwrap_or_default(),
        ),
        (
            "stage".to_string(),
            p.stage.map(|s| s.as_str().to_string()).unwrap_or_default(),
        ),
        (
            "wte".to_string(),
            p.wte.map(|w| w.to_string()).unwrap_or_default(),
        ),
        (
            "started_on".to_string(),
            p.started_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ];
    out.extend(
        p.roles
            .iter()
            .map(|r| ("roles".to_string(), r.as_str().to_string())),
    );
    out
}

pub async fn edit_person(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    leader(&signed)?;
    let id = crate::http::parse_id(&id).map_err(|_| AppError::NotFound)?;
    let caller = signed.caller.clone();
    let pid = id.clone();
    let person = state
        .db(move |conn| crate::people::get_person(conn, &caller, &pid))
        .await?;
    let values = current(&person);
    let ticked = person
        .roles
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    let f = FormView::again(super::session::Form::from_pairs(values), &[], LABELS);
    let editing = Editing {
        id,
        name: person.full_name,
    };
    form_of(&state, &signed, f, ticked, StatusCode::OK, Some(editing)).await
}

pub async fn change(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    leader(&signed)?;
    let id = crate::http::parse_id(&id).map_err(|_| AppError::NotFound)?;
    let mut errors = Vec::new();
    let (wte, started_on) = post_fields(&form, &mut errors);
    let ticked = form.all("roles");
    let roles: Vec<Role> = ticked.iter().filter_map(|r| Role::parse(r)).collect();
    let patch = crate::people::PractitionerPatch {
        email: form.get("email").map(str::to_string),
        full_name: form.get("full_name").map(str::to_string),
        practitioner_role: form.get("practitioner_role").map(str::to_string),
        stage: form.get("stage").and_then(Stage::parse),
        wte,
        roles: Some(roles),
        started_on,
        ..Default::default()
    };
    let caller = signed.caller.clone();
    let at = state.clock.now();
    let pid = id.clone();
    let outcome = if errors.is_empty() {
        state
            .write(move |conn| crate::people::update_person(conn, &caller, &pid, patch, at))
            .await
            .map(|p| p.full_name)
    } else {
        Err(AppError::Validation(Vec::new()))
    };
    let (mut more, status) = match outcome {
        Ok(_) => {
            state.callers.forget(&id);
            return Ok(see_other(&format!("/people/{id}?done=changed")));
        }
        Err(AppError::Validation(e)) => (e, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::Conflict(why)) => (vec![FieldError::new("email", why)], StatusCode::CONFLICT),
        Err(AppError::Forbidden(why)) => {
            (vec![FieldError::new("roles", why)], StatusCode::FORBIDDEN)
        }
        Err(e) => return Err(e.into()),
    };
    errors.append(&mut more);
    let name = form.get("full_name").unwrap_or("this person").to_string();
    let f = FormView::again(form, &errors, LABELS);
    form_of(
        &state,
        &signed,
        f,
        ticked,
        status,
        Some(Editing { id, name }),
    )
    .await
}
