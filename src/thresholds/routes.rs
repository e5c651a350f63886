//! The thresholds' JSON routes.

use actix_web::{web, HttpResponse};

use super::{ThresholdPatch, ThresholdRow, Thresholds};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::{resource, Json};

#[utoipa::path(
    get, path = "/api/v1/reminder-thresholds", tag = "reminders",
    summary = "The reminder thresholds",
    description = "Days after or before which reminders go out, each with its source or \"local choice\".\n\n**Who may call:** any signed-in user.",
    responses((status = 200, body = Thresholds), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_thresholds(
    state: web::Data<AppState>,
    Auth(_caller): Auth,
) -> Result<HttpResponse, AppError> {
    let all = state.db(super::all).await?;
    Ok(HttpResponse::Ok().json(all))
}

#[utoipa::path(
    put, path = "/api/v1/reminder-thresholds/{key}", tag = "reminders", request_body = ThresholdPatch,
    summary = "Set a reminder threshold",
    description = "Audited. Each threshold has its own range.\n\n**Who may call:** admins.",
    params(("key" = String, Path, description = "the threshold, e.g. escalate_after_days")),
    responses(
        (status = 200, body = ThresholdRow), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn put_threshold(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    key: web::Path<String>,
    body: Json<ThresholdPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let key = key.into_inner();
    let row = state
        .write(move |conn| super::set(conn, &caller, &key, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(row))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/reminder-thresholds", "GET").route(web::get().to(list_thresholds)))
        .service(resource("/reminder-thresholds/{key}", "PUT").route(web::put().to(put_threshold)));
}
