//! External supervisors' JSON routes.

use actix_web::{web, HttpResponse};

use super::{ExternalQuery, ExternalSupervisor, ExternalSupervisorPatch, NewExternalSupervisor};
use crate::accreditation::credentials::Verification;
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    post, path = "/api/v1/external-supervisors", tag = "supervision", request_body = NewExternalSupervisor,
    summary = "Add a supervisor from outside the service",
    description = "A supervisor who is not a user of the registry: they never sign in and get no invitation. Once their registration is verified, a log may name them; each log naming them emails them a link to countersign it, and they appear in evidence packs with their body, registration number and contact details.\n\n**Who may call:** the service's training lead; admins.",
    responses(
        (status = 201, body = ExternalSupervisor), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 415, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_external(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewExternalSupervisor>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let created = state
        .write(move |conn| super::create(conn, &caller, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/external-supervisors", tag = "supervision", params(ExternalQuery),
    summary = "List supervisors from outside the service",
    description = "**Who may call:** any signed-in person of a service (their service's); admins (any, or one service's with `service_id`).",
    responses((status = 200, body = inline(Page<ExternalSupervisor>)), (status = 401, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_external(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<ExternalQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let rows = state
        .db(move |conn| super::list(conn, &caller, q.service_id, &p))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |s: &ExternalSupervisor| &s.id)))
}

#[utoipa::path(
    get, path = "/api/v1/external-supervisors/{id}", tag = "supervision",
    summary = "Read a supervisor from outside the service",
    params(("id" = String, Path, description = "the supervisor's person id")),
    description = "**Who may call:** any signed-in person of their service; admins.",
    responses((status = 200, body = ExternalSupervisor), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_external(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let found = state.db(move |conn| super::get(conn, &caller, &id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(
    patch, path = "/api/v1/external-supervisors/{id}", tag = "supervision", request_body = ExternalSupervisorPatch,
    summary = "Change a supervisor from outside the service",
    params(("id" = String, Path, description = "the supervisor's person id")),
    description = "A new body or registration number must be verified again. Deactivate them as any person (`PATCH /practitioners/{id}` with `active: false`): their emailed links stop working.\n\n**Who may call:** the service's training lead; admins.",
    responses(
        (status = 200, body = ExternalSupervisor), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem),
        (status = 415, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_external(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<ExternalSupervisorPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let changed = state
        .write(move |conn| super::update(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(changed))
}

#[utoipa::path(
    post, path = "/api/v1/external-supervisors/{id}/verification", tag = "supervision", request_body = Verification,
    summary = "Record that a registration was checked with its body",
    params(("id" = String, Path, description = "the supervisor's person id")),
    description = "As for a credential: these registers have no API, so record how it was checked and the reference. Once only.\n\n**Who may call:** the service's training lead; admins.",
    responses(
        (status = 200, body = ExternalSupervisor), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem),
        (status = 415, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn verify_external(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<Verification>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let done = state
        .write(move |conn| super::verify(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(done))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/external-supervisors", "GET, POST")
            .route(web::get().to(list_external))
            .route(web::post().to(create_external)),
    )
    .service(
        resource("/external-supervisors/{id}", "GET, PATCH")
            .route(web::get().to(get_external))
            .route(web::patch().to(patch_external)),
    )
    .service(
        resource("/external-supervisors/{id}/verification", "POST")
            .route(web::post().to(verify_external)),
    );
}
