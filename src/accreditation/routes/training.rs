//! Training records' JSON routes.

use actix_web::{web, HttpResponse};

use crate::accreditation::training::{
    self as uc, NewTraining, TrainingList, TrainingPatch, TrainingQuery, TrainingRecord,
};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::PageRequest;
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/training", tag = "accreditation", params(("id" = String, Path, description = "person id"), TrainingQuery),
    description = "**Who may call:** the person, their training lead and admins.",
    summary = "A person's training records",
    responses((status = 200, body = TrainingList), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_training(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    q: web::Query<TrainingQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let status = q.into_inner().status;
    let list = state
        .db(move |conn| uc::list_training(conn, &caller, &id, status.as_deref(), &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/training", tag = "accreditation", request_body = NewTraining,
    summary = "Record training",
    description = "Records an enrolment or completion in any state with the dates it needs (a past completion is recorded directly). A completion on a course whose accreditation had lapsed on that date is kept and flagged.\n\n**Who may call:** the person's training lead and admins.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 201, body = TrainingRecord), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_training(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewTraining>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let created = state
        .write(move |conn| uc::add_training(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/training/{id}", tag = "accreditation", request_body = TrainingPatch,
    summary = "Change a training record",
    params(("id" = String, Path, description = "training record id")),
    description = "**Who may call:** the person's training lead and admins.",
    responses(
        (status = 200, body = TrainingRecord), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "a backward move"),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_training(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<TrainingPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let updated = state
        .write(move |conn| uc::update_training(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/training", "GET, POST")
            .route(web::get().to(list_training))
            .route(web::post().to(create_training)),
    )
    .service(resource("/training/{id}", "PATCH").route(web::patch().to(patch_training)));
}
