//! `GET /reports/supervision-compliance`: one row per practitioner and supervision rule, JSON
//! (paged by practitioner) or CSV (every row), computed with a fixed number of queries per page.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::queries::{ComplianceItem, Subject, SUBJECT_COLUMNS};
use super::rules::ComplianceStatus;
use crate::app::AppState;
use crate::auth::policy::{report_scope, PeopleScope};
use crate::auth::Auth;
use crate::db::schema::users;
use crate::db::DbConn;
use crate::http::page::{encode_cursor, Page, PageRequest};
use crate::http::{csv, resource, AppError};

/// Practitioners computed per query batch when exporting every row.
const EXPORT_BATCH: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    /// `compliant`, `due_soon` or `overdue`.
    pub status: Option<String>,
    /// Practitioners per page (1 to 500, default 50); CSV answers every row.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRow {
    pub practitioner_id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<String>,
    pub wte: Option<f64>,
    #[serde(flatten)]
    pub item: ComplianceItem,
}

fn status_of(s: &str) -> Option<ComplianceStatus> {
    match s {
        "compliant" => Some(ComplianceStatus::Compliant),
        "due_soon" => Some(ComplianceStatus::DueSoon),
        "overdue" => Some(ComplianceStatus::Overdue),
        _ => None,
    }
}

fn subjects(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &ReportQuery,
    page: &PageRequest,
) -> Result<Vec<Subject>, AppError> {
    let mut s = users::table
        .filter(users::active.eq(true))
        .filter(users::practitioner_role.is_not_null())
        .select(SUBJECT_COLUMNS)
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        s = s.filter(users::service_id.eq(id.clone()));
    }
    if let Some(id) = &q.service_id {
        s = s.filter(users::service_id.eq(id.clone()));
    }
    if let Some(r) = &q.practitioner_role {
        s = s.filter(users::practitioner_role.eq(r.clone()));
    }
    if let Some(after) = &page.after {
        s = s.filter(users::id.gt(after.clone()));
    }
    Ok(s.order(users::id.asc()).limit(page.fetch()).load(conn)?)
}

/// The rows for one page of practitioners, and the id to continue after when more follow.
fn rows(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &ReportQuery,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<(Vec<ReportRow>, Option<String>), AppError> {
    let (people, next) = page.split(subjects(conn, scope, q, page)?, |p| &p.id);
    let mut by_person = super::compliance(conn, &people, today)?;
    let wanted = q.status.as_deref().and_then(status_of);
    let mut out = Vec::new();
    for p in &people {
        for item in by_person.remove(&p.id).unwrap_or_default() {
            if wanted.is_some_and(|w| w != item.status) {
                continue;
            }
            out.push(ReportRow {
                practitioner_id: p.id.clone(),
                full_name: p.full_name.clone(),
                service_id: p.service_id.clone(),
                practitioner_role: p.practitioner_role.clone(),
                stage: p.stage.clone(),
                wte: p.wte,
                item,
            });
        }
    }
    Ok((out, next))
}

fn status_text(s: ComplianceStatus) -> &'static str {
    match s {
        ComplianceStatus::Compliant => "compliant",
        ComplianceStatus::DueSoon => "due_soon",
        ComplianceStatus::Overdue => "overdue",
    }
}

fn csv_row(out: &mut String, r: &ReportRow) {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    csv::push_row(
        out,
        &[
            r.practitioner_id.clone(),
            r.full_name.clone(),
            opt(&r.service_id),
            opt(&r.practitioner_role),
            opt(&r.stage),
            r.wte.map(|w| w.to_string()).unwrap_or_default(),
            r.item.supervision_type.as_str().to_string(),
            r.item.required_minutes.to_string(),
            r.item.achieved_minutes.to_string(),
            r.item.unsigned_minutes.to_string(),
            r.item.window_days.to_string(),
            r.item
                .last_held_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            r.item.next_due_on.to_string(),
            status_text(r.item.status).to_string(),
        ],
    );
}

const CSV_HEADER: [&str; 14] = [
    "practitioner_id",
    "full_name",
    "service_id",
    "practitioner_role",
    "stage",
    "wte",
    "supervision_type",
    "required_minutes",
    "achieved_minutes",
    "unsigned_minutes",
    "window_days",
    "last_held_on",
    "next_due_on",
    "status",
];

#[utoipa::path(
    get, path = "/api/v1/reports/supervision-compliance", tag = "reports", params(ReportQuery),
    description = "One row per practitioner and supervision rule. `Accept: text/csv` answers every row as CSV.",
    responses(
        (status = 200, body = inline(Page<ReportRow>), content_type = "application/json"),
        (status = 200, body = String, content_type = "text/csv"),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn supervision_compliance_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let scope = report_scope(&caller).ok_or_else(AppError::forbidden)?;
    let q = q.into_inner();
    if q.status.as_deref().is_some_and(|s| status_of(s).is_none()) {
        return Err(AppError::invalid(
            "status",
            "must be compliant, due_soon or overdue",
        ));
    }
    let today = now.date();
    if csv::wanted(&req) {
        return csv::stream(
            &state,
            "supervision-compliance.csv",
            &CSV_HEADER,
            EXPORT_BATCH,
            move |conn, page| rows(conn, &scope, &q, page, today),
            csv_row,
        )
        .await;
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let (rows, next) = state
        .db(move |conn| rows(conn, &scope, &q, &p, today))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows,
        next_cursor: next.as_deref().map(encode_cursor),
    }))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/reports/supervision-compliance", "GET")
            .route(web::get().to(supervision_compliance_report)),
    );
}
