//! The supervisor requirements' JSON routes.

use actix_web::{web, HttpResponse};

use crate::accreditation::duties::{self as uc, DutyRule, DutyRulePatch, DutyRules};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/supervisor-requirements", tag = "accreditation",
    summary = "What accredited supervisors owe, by body and credential",
    description = "Supervision given in a window, and supervision of supervision received (a share of it, or minutes a month).\n\n**Who may call:** any signed-in user.",
    responses((status = 200, body = DutyRules), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_duty_rules(
    state: web::Data<AppState>,
    Auth(_caller): Auth,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(state.db(uc::rules).await?))
}

#[utoipa::path(
    patch, path = "/api/v1/supervisor-requirements/{id}", tag = "accreditation", request_body = DutyRulePatch,
    summary = "Change a supervisor requirement",
    description = "Audited.\n\n**Who may call:** admins.",
    params(("id" = String, Path, description = "requirement id")),
    responses(
        (status = 200, body = DutyRule), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_duty_rule(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<DutyRulePatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let rule = state
        .write(move |conn| uc::change_rule(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(rule))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/supervisor-requirements", "GET").route(web::get().to(list_duty_rules)))
        .service(
            resource("/supervisor-requirements/{id}", "PATCH")
                .route(web::patch().to(patch_duty_rule)),
        );
}
