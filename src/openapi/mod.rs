//! The OpenAPI 3 document, served at `/api/v1/openapi.json` and browsable at `/docs/`.

mod examples;
mod finish;

use std::sync::OnceLock;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "registry",
        description = "Training, accreditation and clinical-supervision registry for NHS Talking Therapies services. \
            Errors are RFC 9457 problem details (application/problem+json). Lists answer {items, next_cursor} and page \
            with ?limit= (1..500, default 50) and ?cursor=."
    ),
    paths(
        crate::health,
        crate::version,
        crate::metrics::metrics,
        crate::accounts::routes::login,
        crate::accounts::routes::refresh,
        crate::accounts::routes::logout,
        crate::accounts::routes::accept_invite,
        crate::accounts::routes::password_reset,
        crate::accounts::routes::password_reset_confirm,
        crate::accounts::routes::change_password,
        crate::accounts::routes::me,
        crate::external::routes::create_external,
        crate::external::routes::list_external,
        crate::external::routes::get_external,
        crate::external::routes::patch_external,
        crate::external::routes::verify_external,
        crate::services::routes::list_services,
        crate::services::routes::create_service,
        crate::services::routes::get_service,
        crate::services::routes::patch_service,
        crate::people::routes::create_practitioner,
        crate::people::routes::list_practitioners,
        crate::people::routes::get_practitioner,
        crate::people::routes::patch_practitioner,
        crate::people::routes::deactivate_practitioner,
        crate::people::routes::reinvite,
        crate::imports::routes::import_practitioners,
        crate::reference::routes::list_bodies,
        crate::reference::routes::list_modalities,
        crate::audit::routes::list_events,
        crate::audit::routes::verify_chain,
        crate::supervision::routes::create_log,
        crate::supervision::routes::list_logs,
        crate::supervision::routes::get_log,
        crate::supervision::routes::patch_log,
        crate::supervision::routes::withdraw_log,
        crate::supervision::routes::sign_off,
        crate::supervision::routes::reject,
        crate::supervision::routes::sign_off_many,
        crate::supervision::routes::person_compliance,
        crate::supervision::routes::get_services,
        crate::supervision::routes::put_services,
        crate::supervision::routes::get_policy,
        crate::supervision::routes::put_policy,
        crate::supervision::routes::delete_policy,
        crate::supervision::routes::supervision_compliance_report,
        crate::live_assessments::routes::list_live,
        crate::live_assessments::routes::create_live,
        crate::live_assessments::routes::list_interventions,
        crate::live_assessments::routes::create_intervention,
        crate::live_assessments::routes::list_live_rules,
        crate::live_assessments::routes::patch_live_rule,
        crate::thresholds::routes::list_thresholds,
        crate::body_audits::routes::list_person_audits,
        crate::body_audits::routes::create_audit,
        crate::body_audits::routes::patch_audit,
        crate::body_audits::routes::list_audits,
        crate::body_audits::routes::list_audit_rules,
        crate::body_audits::routes::put_audit_rule,
        crate::thresholds::routes::put_threshold,
        crate::accreditation::routes::list_kinds,
        crate::accreditation::routes::create_kind,
        crate::accreditation::routes::patch_kind,
        crate::accreditation::routes::patch_modality,
        crate::accreditation::routes::courses::list_courses,
        crate::accreditation::routes::courses::create_course,
        crate::accreditation::routes::courses::get_course,
        crate::accreditation::routes::courses::patch_course,
        crate::accreditation::routes::training::list_training,
        crate::accreditation::routes::training::create_training,
        crate::accreditation::routes::training::patch_training,
        crate::accreditation::routes::credentials::list_accreditations,
        crate::accreditation::routes::credentials::create_accreditation,
        crate::accreditation::routes::credentials::verify,
        crate::accreditation::routes::credentials::verification_queue,
        crate::accreditation::routes::credentials::accreditation_report,
        crate::accreditation::routes::cpd::list_cpd,
        crate::accreditation::routes::declarations::list_declarations,
        crate::accreditation::routes::duties::list_duty_rules,
        crate::accreditation::routes::duties::patch_duty_rule,
        crate::accreditation::routes::declarations::create_declaration,
        crate::accreditation::routes::declarations::verify_declaration,
        crate::accreditation::routes::declarations::list_leaves,
        crate::accreditation::routes::declarations::create_leave,
        crate::accreditation::routes::cpd::create_cpd,
        crate::accreditation::routes::cpd::patch_cpd,
        crate::accreditation::routes::cpd::delete_cpd,
        crate::accreditation::routes::required::list_required,
        crate::accreditation::routes::required::create_required,
        crate::accreditation::routes::required::delete_required,
        crate::accreditation::routes::required::courses_report,
        crate::competences::routes::list_frameworks,
        crate::competences::routes::get_framework,
        crate::competences::routes::create_framework,
        crate::competences::routes::add_competence,
        crate::competences::routes::patch_competence,
        crate::competences::routes::name_assessor,
        crate::competences::routes::person_competences,
        crate::competences::routes::assess,
        crate::competences::routes::supervisors,
        crate::competences::routes::competencies_report,
        crate::reminders::routes::run_now,
        crate::reminders::routes::list_notifications,
        crate::reminders::routes::get_preferences,
        crate::reminders::routes::put_preferences,
        crate::reports::routes::dashboard,
        crate::reports::routes::workforce_report,
        crate::reports::routes::representation_report,
        crate::evidence::routes::evidence_pack,
        crate::calendar::routes::get_feed,
        crate::calendar::routes::rotate_feed,
        crate::calendar::routes::feed,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login, tokens, invitations"),
        (name = "services", description = "Teams"),
        (name = "people", description = "Practitioners and staff"),
        (name = "reference", description = "Bodies and modalities"),
        (name = "audit", description = "Who changed what"),
        (name = "supervision", description = "Supervision logs, countersigning, compliance and the policy"),
        (name = "accreditation", description = "Credentials, courses, training records and CPD"),
        (name = "competences", description = "Competence frameworks, sign-offs and supervisor eligibility"),
        (name = "reminders", description = "Lapse reminders by email, the outbox, preferences"),
        (name = "reports", description = "Training-lead reports and evidence packs, JSON or CSV"),
        (name = "calendar", description = "The secret iCalendar feed of a person's due dates"),
        (name = "operations", description = "Health and version, for operators and monitoring"),
    )
)]
pub struct ApiDoc;

/// The document as served: the generated one, finished with what every operation shares
/// (`finish`). Made once.
pub fn document() -> utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        let generated = ApiDoc::openapi();
        let finished = serde_json::to_value(&generated).and_then(|mut doc| {
            finish::finish(&mut doc);
            serde_json::from_value(doc)
        });
        finished.unwrap_or_else(|e| {
            tracing::error!(error = %e, "the OpenAPI document could not be finished; serving it as generated");
            generated
        })
    })
    .clone()
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
    }
}

/// Any path nobody serves: "no such path", naming the closest one that is served.
pub async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    static KNOWN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let known = KNOWN.get_or_init(|| {
        let doc = ApiDoc::openapi();
        let mut paths: Vec<String> = doc.paths.paths.keys().cloned().collect();
        paths.extend(
            crate::http::paths::OTHER_PATHS
                .iter()
                .map(|p| p.to_string()),
        );
        paths
    });
    Err(crate::error::AppError::NoSuchPath(
        crate::http::paths::closest(req.path(), known),
    ))
}
