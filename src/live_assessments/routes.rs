//! Live assessments' JSON routes.

use actix_web::{web, HttpResponse};

use super::{
    Intervention, Interventions, LiveAssessment, LiveQuery, LiveRulePatch, LiveRuleRow, LiveRules,
    NewIntervention, NewLiveAssessment,
};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/live-assessments", tag = "supervision",
    summary = "A person's live assessments of practice",
    description = "**Who may call:** the person, their training lead, admins, and supervisors of the person's service.",
    params(("id" = String, Path, description = "person id"), LiveQuery),
    responses((status = 200, body = inline(Page<LiveAssessment>)), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_live(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    q: web::Query<LiveQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let rows = state
        .db(move |conn| super::list(conn, &caller, &id, &p))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |r| &r.id)))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/live-assessments", tag = "supervision", request_body = NewLiveAssessment,
    summary = "Record a live assessment of practice",
    description = "An outcome (`meets_standard` or `not_yet`) on an intervention from the list, or `not_possible_reason` instead. The assessor is the caller.\n\n**Who may call:** a supervisor of the person's service, never the person.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 201, body = LiveAssessment), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_live(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewLiveAssessment>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let created = state
        .write(move |conn| super::record(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/live-assessment-interventions", tag = "supervision",
    summary = "The low-intensity interventions a live assessment is rated on",
    description = "**Who may call:** any signed-in user.",
    responses((status = 200, body = Interventions), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_interventions(
    state: web::Data<AppState>,
    Auth(_caller): Auth,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(state.db(super::interventions).await?))
}

#[utoipa::path(
    post, path = "/api/v1/live-assessment-interventions", tag = "supervision", request_body = NewIntervention,
    summary = "Add an intervention to the list",
    description = "**Who may call:** admins.",
    responses(
        (status = 201, body = Intervention), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_intervention(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewIntervention>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let created = state
        .write(move |conn| super::add_intervention(conn, &caller, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/live-assessment-rules", tag = "supervision",
    summary = "How many live assessments each body asks of each role",
    description = "**Who may call:** any signed-in user.",
    responses((status = 200, body = LiveRules), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_live_rules(
    state: web::Data<AppState>,
    Auth(_caller): Auth,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(state.db(super::rules).await?))
}

#[utoipa::path(
    patch, path = "/api/v1/live-assessment-rules/{id}", tag = "supervision", request_body = LiveRulePatch,
    summary = "Change a body's live-assessment rule",
    description = "Audited.\n\n**Who may call:** admins.",
    params(("id" = String, Path, description = "rule id")),
    responses(
        (status = 200, body = LiveRuleRow), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_live_rule(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<LiveRulePatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let row = state
        .write(move |conn| super::change_rule(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(row))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/live-assessments", "GET, POST")
            .route(web::get().to(list_live))
            .route(web::post().to(create_live)),
    )
    .service(
        resource("/live-assessment-interventions", "GET, POST")
            .route(web::get().to(list_interventions))
            .route(web::post().to(create_intervention)),
    )
    .service(resource("/live-assessment-rules", "GET").route(web::get().to(list_live_rules)))
    .service(
        resource("/live-assessment-rules/{id}", "PATCH").route(web::patch().to(patch_live_rule)),
    );
}
