//! Credentials' JSON routes.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::accreditation::credentials::{self as uc, model::*};
use crate::app::AppState;
use crate::auth::policy::report_scope;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, report, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/accreditations", tag = "accreditation", params(("id" = String, Path, description = "person id"), PageQuery),
    summary = "A person's accreditations and registrations",
    description = "Every period of every credential the person holds or held, with its status and, where the body has a CPD rule, whether the CPD for the next renewal is met so far.\n\n**Who may call:** the person, their training lead and admins.",
    responses((status = 200, body = inline(Page<Accreditation>)), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_accreditations(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let out = state
        .db(move |conn| uc::list_accreditations(conn, &caller, &id, &page, at))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/accreditations", tag = "accreditation", request_body = NewAccreditation,
    summary = "Record an accreditation or registration",
    description = "Adds a credential period; it is `pending_verification` until a training lead or admin records the check. A renewal is a new period: history is never overwritten.\n\n**Who may call:** the person, their training lead and admins.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 201, body = Accreditation), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "the membership number is already recorded for this body"),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_accreditation(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewAccreditation>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let created = state
        .write(move |conn| uc::add_accreditation(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/accreditations/{id}", tag = "accreditation", request_body = Verification,
    summary = "Record that a credential was verified",
    description = "A training lead or admin records that they checked the credential: who, when (now), how and the reference. Nobody verifies their own.\n\n**Who may call:** the person's training lead and admins, never for their own credential.",
    params(("id" = String, Path, description = "accreditation id")),
    responses(
        (status = 200, body = Accreditation), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "already verified"),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn verify(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<Verification>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let updated = state
        .write(move |conn| uc::verify(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(
    get, path = "/api/v1/reports/accreditation", tag = "reports", params(ReportQuery),
    summary = "Accreditation report",
    description = "One row per practitioner and accreditation. `Accept: text/csv` answers every row as CSV (RFC 4180; cells a spreadsheet would run as formulas are prefixed with ').\n\n**Who may call:** training leads (their own service) and admins.",
    responses(
        (status = 200, description = "The report as JSON, or with `Accept: text/csv` as CSV.", content((inline(crate::http::report::ReportPage<ReportRow>) = "application/json"), (String = "text/csv"))),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn accreditation_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let q = q.into_inner();
    uc::report_status(q.status.as_deref())?;
    let (limit, cursor) = (q.limit, q.cursor.clone());
    let covers =
        crate::services::covers(&state, &req, &scope, q.service_id.as_deref(), at.date()).await?;
    report::paged::<ReportRow, _>(
        &state,
        &req,
        (limit, cursor.as_deref()),
        covers,
        move |conn, page| uc::report_page(conn, &scope, &q, page, at),
    )
    .await
}

#[utoipa::path(
    get, path = "/api/v1/verification-queue", tag = "accreditation", params(uc::queue::QueueQuery),
    summary = "Credentials waiting for a check, oldest first",
    description = "The oldest credentials nobody has verified yet, of the active people in the caller's scope, each with whose it is and, where the caller may not record the check (their own), why not. Record a check with `PATCH /accreditations/{id}`.\n\n**Who may call:** training leads (their own service) and admins.",
    responses(
        (status = 200, body = uc::queue::VerificationQueue), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn verification_queue(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<uc::queue::QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.today();
    let limit = q.limit;
    let out = state
        .db(move |conn| uc::queue::verification_queue(conn, &caller, limit, today))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/accreditations", "GET, POST")
            .route(web::get().to(list_accreditations))
            .route(web::post().to(create_accreditation)),
    )
    .service(resource("/accreditations/{id}", "PATCH").route(web::patch().to(verify)))
    .service(resource("/verification-queue", "GET").route(web::get().to(verification_queue)))
    .service(resource("/reports/accreditation", "GET").route(web::get().to(accreditation_report)));
}
