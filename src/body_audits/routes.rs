//! Body audits' JSON routes.

use actix_web::{web, HttpResponse};

use super::{
    AuditPatch, AuditQuery, AuditRule, AuditRuleInput, AuditRules, BodyAudit, NewBodyAudit,
};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, Json};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AuditList {
    pub items: Vec<BodyAudit>,
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/body-audits", tag = "accreditation",
    summary = "A person's audits by their bodies",
    description = "Newest request first, each with `due_on`, `days_left`, its evidence pack and what is `missing`.\n\n**Who may call:** the person, their training lead and admins.",
    params(("id" = String, Path, description = "person id")),
    responses((status = 200, body = AuditList), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_person_audits(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.now().date();
    let id = parse_id(&id)?;
    let items = state
        .db(move |conn| super::of_person(conn, &caller, &id, today))
        .await?;
    Ok(HttpResponse::Ok().json(AuditList { items }))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/body-audits", tag = "accreditation", request_body = NewBodyAudit,
    summary = "Record a body's audit request",
    description = "`due_on` is `requested_on` plus the body's response window (`GET /body-audit-rules`). The person must hold a credential with the body. Audited.\n\n**Who may call:** the person, their training lead and admins.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 201, body = BodyAudit), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_audit(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewBodyAudit>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let created = state
        .write(move |conn| super::request(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/body-audits/{id}", tag = "accreditation", request_body = AuditPatch,
    summary = "Move an audit on",
    description = "`open` to `submitted` (with `submitted_on`, default today) or `closed`; `submitted` to `closed`. A closed audit is final (409). Audited.\n\n**Who may call:** the person, their training lead and admins.",
    params(("id" = String, Path, description = "audit id")),
    responses(
        (status = 200, body = BodyAudit), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_audit(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<AuditPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let updated = state
        .write(move |conn| super::change(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(
    get, path = "/api/v1/body-audits", tag = "accreditation",
    summary = "The audits of a service",
    description = "Soonest due first, with the days left: a training lead's own service, an admin's every service or the one asked for.\n\n**Who may call:** training leads and admins.",
    params(AuditQuery),
    responses((status = 200, body = inline(Page<BodyAudit>)), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_audits(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.now().date();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let list = state
        .db(move |conn| super::list(conn, &caller, &q, &page, today))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(
    get, path = "/api/v1/body-audit-rules", tag = "accreditation",
    summary = "Each body's audit window, period and reminder offsets",
    description = "**Who may call:** any signed-in user.",
    responses((status = 200, body = AuditRules), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_audit_rules(
    state: web::Data<AppState>,
    Auth(_caller): Auth,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(state.db(super::audit_rules).await?))
}

#[utoipa::path(
    put, path = "/api/v1/body-audit-rules/{body}", tag = "accreditation", request_body = AuditRuleInput,
    summary = "Set a body's audit rule",
    description = "Audited.\n\n**Who may call:** admins.",
    params(("body" = String, Path, description = "a body's code")),
    responses(
        (status = 200, body = AuditRule), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn put_audit_rule(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body_code: web::Path<String>,
    body: Json<AuditRuleInput>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let code = body_code.into_inner();
    let rule = state
        .write(move |conn| super::set_rule(conn, &caller, &code, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/body-audits", "GET, POST")
            .route(web::get().to(list_person_audits))
            .route(web::post().to(create_audit)),
    )
    .service(resource("/body-audits", "GET").route(web::get().to(list_audits)))
    .service(resource("/body-audits/{id}", "PATCH").route(web::patch().to(patch_audit)))
    .service(resource("/body-audit-rules", "GET").route(web::get().to(list_audit_rules)))
    .service(resource("/body-audit-rules/{body}", "PUT").route(web::put().to(put_audit_rule)));
}
