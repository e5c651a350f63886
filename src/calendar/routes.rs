//! The calendar feed's routes: the address under `/api/v1/me`, the feed itself at the root.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::Feed;
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::resource;

#[utoipa::path(
    get, path = "/api/v1/me/calendar-feed", tag = "calendar",
    summary = "Your calendar feed address",
    description = "The caller's secret iCalendar feed address, made on first asking. The same address is answered until it is rotated.\n\n**Who may call:** any signed-in person, for themselves.",
    responses((status = 200, body = Feed), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_feed(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    let feed = super::feed_of(&state, caller.id, false).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(feed))
}

#[utoipa::path(
    post, path = "/api/v1/me/calendar-feed/rotate", tag = "calendar",
    summary = "Issue a new calendar feed address",
    description = "Revokes the caller's feed address and issues a new one.\n\n**Who may call:** any signed-in person, for themselves.",
    responses((status = 200, body = Feed), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn rotate_feed(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    let feed = super::feed_of(&state, caller.id, true).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(feed))
}

#[utoipa::path(
    get, path = "/calendar/{secret}.ics", tag = "calendar",
    summary = "The calendar feed itself",
    description = "The feed itself (no token: the secret is the credential). RFC 5545 iCalendar of the person's supervision due dates, credential renewals and competence reviews. An unknown or rotated secret is a 404.\n\n**Who may call:** whoever holds the secret address; no token.",
    params(("secret" = String, Path, description = "the feed secret")),
    responses((status = 200, body = String, content_type = "text/calendar"), (status = 404, body = crate::http::Problem)),
)]
pub async fn feed(
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let secret = file
        .strip_suffix(".ics")
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or(AppError::NotFound)?
        .to_string();
    let (name, events) = state
        .db(move |conn| super::feed_events(conn, &secret, at))
        .await?;
    let body = super::ics::calendar(&format!("Registry: {name}"), &events, at);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"registry.ics\"",
        ))
        .body(body))
}

/// Under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/me/calendar-feed", "GET").route(web::get().to(get_feed)))
        .service(resource("/me/calendar-feed/rotate", "POST").route(web::post().to(rotate_feed)));
}

/// At the root, beside `/health`.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/calendar/{file}", "GET").route(web::get().to(feed)));
}
