//! `GET /reminders` and `POST /reminders/run`: the reminder outbox for training leads (their
//! service's) and admins, by delivery state, with each failure's error; and "Run now", which
//! scans for lapses and sends what is due, then shows the counts it returns. Over
//! `reminders::list_notifications` and `reminders::run`, as `GET /notifications` and
//! `POST /admin/reminders/run`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::page::{date, render, Chrome};
use super::session::{Posted, Signed};
use crate::app::AppState;
use crate::auth::policy::{may_open, report_scope, Area};
use crate::error::AppError;
use crate::http::page::{encode_cursor, PageRequest};
use crate::reminders::{NotificationQuery, RunReport, Trigger};

const PAGE_ROWS: i64 = 50;

const STATES: &[(&str, &str)] = &[
    ("pending", "Waiting to be sent"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("failed", "Failed, to be tried again"),
    ("dead", "Given up"),
];

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub status: Option<String>,
    pub cursor: Option<String>,
}

pub struct Row {
    pub created: String,
    pub summary: String,
    pub kind: String,
    pub due: String,
    pub state: &'static str,
    pub attempts: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "web/reminders.html")]
struct Page {
    chrome: Chrome,
    ran: Option<String>,
    states: &'static [(&'static str, &'static str)],
    status: String,
    rows: Vec<Row>,
    next_href: Option<String>,
}

fn words_of(status: Option<&str>) -> &'static str {
    STATES
        .iter()
        .find(|(s, _)| Some(*s) == status)
        .map(|(_, w)| *w)
        .unwrap_or("Not queued for sending")
}

async fn page(
    state: &AppState,
    signed: &Signed,
    q: Query,
    ran: Option<RunReport>,
) -> Result<HttpResponse, PageError> {
    let caller = signed.caller.clone();
    let scope = report_scope(&caller)
        .filter(|_| may_open(&caller, Area::Leading))
        .ok_or(AppError::NotFound)?;
    let status = q.status.filter(|s| !s.is_empty());
    crate::reminders::delivery_status(status.as_deref())?;
    let page = PageRequest::parse(
        Some(PAGE_ROWS),
        q.cursor.as_deref().filter(|c| !c.is_empty()),
    )?;
    let nq = NotificationQuery {
        status: status.clone(),
        recipient_id: None,
        limit: None,
        cursor: None,
    };
    let p = page.clone();
    let found = state
        .db(move |conn| crate::reminders::list_notifications(conn, &scope, &nq, &p))
        .await?;
    let more = found.len() as i64 > page.limit;
    let shown = &found[..found.len().min(page.limit as usize)];
    let rows = shown
        .iter()
        .map(|n| Row {
            created: date(n.created_at.date()),
            summary: n.summary.clone(),
            kind: n.kind.replace('_', " "),
            due: n.due_on.map(date).unwrap_or_default(),
            state: words_of(n.status.map(|s| s.as_str())),
            attempts: n.attempts.map(|a| a.to_string()).unwrap_or_default(),
            error: n.last_error.clone().unwrap_or_default(),
        })
        .collect();
    let keep = status
        .as_deref()
        .map(|s| format!("status={s}&"))
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &Page {
            chrome: Chrome::signed_in(&signed.caller, &signed.csrf, "Reminders", "/reminders"),
            ran: ran.map(|r| {
                format!(
                    "The run found {} lapses, queued {} new reminders, sent {} emails and could not send {}.",
                    r.detected, r.queued, r.sent, r.failed
                )
            }),
            states: STATES,
            status: status.unwrap_or_default(),
            rows,
            next_href: match (more, shown.last()) {
                (true, Some(n)) => Some(format!("/reminders?{keep}cursor={}", encode_cursor(&n.id))),
                _ => None,
            },
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    page(&state, &signed, q.into_inner(), None).await
}

pub async fn run_now(
    state: web::Data<AppState>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, .. } = posted;
    if report_scope(&signed.caller).is_none() || !may_open(&signed.caller, Area::Leading) {
        return Err(AppError::NotFound.into());
    }
    let report = crate::reminders::run(&state, Trigger::Now).await?;
    page(&state, &signed, Query::default(), Some(report)).await
}
