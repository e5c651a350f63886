//! The audit trail's JSON routes: thin handlers over `audit::queries` and `audit::read_events`.

use actix_web::{web, HttpRequest, HttpResponse};

use super::queries::{batch, verify, AuditEvent, AuditQuery, Verification};
use super::special;
use crate::app::AppState;
use crate::auth::policy::{audit_scope, special_category_view, SpecialCategoryView};
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{csv, resource};

#[utoipa::path(
    get, path = "/api/v1/audit/verify", tag = "audit",
    summary = "Check the audit trail is intact",
    description = "Walks the audit hash chain: whether every event is as written, in place, and linked to the one before.\n\n**Who may call:** training leads (their own service) and admins.",
    responses((status = 200, body = Verification), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn verify_chain(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    audit_scope(&caller).ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    Ok(HttpResponse::Ok().json(state.db(verify).await?))
}

#[utoipa::path(
    get, path = "/api/v1/audit/events", tag = "audit",
    summary = "Read the audit trail",
    params(AuditQuery),
    description = "Every change, newest first. `Accept: text/csv` exports every matching event.\n\n**Who may call:** admins (every event) and training leads (their service's, and changes to records every service relies on).",
    responses(
        (status = 200, description = "The report as JSON, or with `Accept: text/csv` as CSV.", content((inline(Page<AuditEvent>) = "application/json"), (String = "text/csv"))),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let scope = audit_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let q = q.into_inner();
    let view = special_category_view(&caller, q.special_category.as_deref())?;
    if csv::wanted(&req) {
        if view == SpecialCategoryView::Reveal {
            return Err(AppError::invalid(
                "special_category",
                "reveal is for the JSON pages, where each reading is recorded with the events it showed",
            ));
        }
        return csv::stream(
            &state,
            &format!("audit-events-{}.csv", now.date()),
            &CSV_HEADER,
            EXPORT_BATCH,
            move |conn, p| {
                let (mut rows, next) = batch(conn, &scope, &q, p)?;
                rows.iter_mut().for_each(special::redact_event);
                Ok((rows, next))
            },
            csv_row,
        )
        .await;
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let read = move |conn: &mut crate::db::DbConn| {
        super::read_events(conn, &caller.id, &scope, &q, &p, view, now)
    };
    let rows = match view {
        SpecialCategoryView::Reveal => state.write(read).await?,
        SpecialCategoryView::Redact => state.db(read).await?,
    };
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |e| &e.id)))
}

const EXPORT_BATCH: i64 = 1000;

const CSV_HEADER: [&str; 9] = [
    "id",
    "at",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "service_id",
    "before",
    "after",
];

fn csv_row(out: &mut String, e: &AuditEvent) {
    let json =
        |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    csv::push_row(
        out,
        &[
            e.id.clone(),
            crate::app::rfc3339(&e.at),
            e.actor_id.clone().unwrap_or_default(),
            e.action.clone(),
            e.entity_type.clone(),
            e.entity_id.clone(),
            e.service_id.clone().unwrap_or_default(),
            json(&e.before),
            json(&e.after),
        ],
    );
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/audit/events", "GET").route(web::get().to(list_events)))
        .service(resource("/audit/verify", "GET").route(web::get().to(verify_chain)));
}
