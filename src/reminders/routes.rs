//! Reminders' JSON routes: run now, the outbox, and the caller's preferences.

use actix_web::{web, HttpResponse};

use super::{Notification, NotificationQuery, Preferences, PreferencesView, RunReport, Trigger};
use crate::app::AppState;
use crate::auth::policy::report_scope;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{resource, Json};

#[utoipa::path(
    post, path = "/api/v1/admin/reminders/run", tag = "reminders",
    summary = "Run the reminder scan now",
    description = "Runs the lapse scan and mail delivery now; failed deliveries are retried at once, whatever their back-off.\n\n**Who may call:** admins.",
    responses((status = 200, body = RunReport), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn run_now(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    if report_scope(&caller).is_none() {
        return Err(AppError::needs(crate::auth::policy::LEADS_AND_ADMINS));
    }
    let report: RunReport = super::run(&state, Trigger::Now).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[utoipa::path(
    get, path = "/api/v1/notifications", tag = "reminders", params(NotificationQuery),
    summary = "List reminder emails and their delivery",
    description = "The reminder outbox, newest first: each notification with its delivery's state, attempts and last error.\n\n**Who may call:** training leads (their own service) and admins.",
    responses((status = 200, body = inline(Page<Notification>)), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_notifications(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<NotificationQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    super::delivery_status(q.status.as_deref())?;
    let p = page.clone();
    let rows: Vec<Notification> = state
        .db(move |conn| super::list_notifications(conn, &scope, &q, &p))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |n| &n.id)))
}

#[utoipa::path(
    get, path = "/api/v1/me/notification-preferences", tag = "reminders",
    summary = "Your reminder preferences",
    description = "**Who may call:** any signed-in person, for themselves.",
    responses((status = 200, body = PreferencesView), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_preferences(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    let view: PreferencesView = state
        .db(move |conn| super::preferences(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    put, path = "/api/v1/me/notification-preferences", tag = "reminders", request_body = Preferences,
    summary = "Set your reminder preferences",
    description = "**Who may call:** any signed-in person, for themselves.",
    responses((status = 200, body = PreferencesView), (status = 401, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn put_preferences(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<Preferences>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let view = state
        .write(move |conn| super::set_preferences(conn, &caller, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/reminders/run", "POST").route(web::post().to(run_now)))
        .service(resource("/notifications", "GET").route(web::get().to(list_notifications)))
        .service(
            resource("/me/notification-preferences", "GET, PUT")
                .route(web::get().to(get_preferences))
                .route(web::put().to(put_preferences)),
        );
}
