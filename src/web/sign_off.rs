//! A supervisor's pages: the countersigning queue (`/sign-off`), sending one session back with a
//! reason (`/sign-off/{log_id}/reject`) and their supervisees' compliance (`/supervisees`).
//! They call the API's `sign_off_all` (all or nothing) and `reject`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::fields::{shown, Shown};
use super::page::{count, date, render, see_other, Chrome};
use super::session::{Posted, Signed};
use super::words::{self, Tag};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area, Caller};
use crate::error::{AppError, FieldError};
use crate::supervision::desk::{self, QUEUE_LIMIT};
use crate::supervision::rules::{LogStatus, SupervisionType};
use crate::supervision::{self, BulkSignOff, LogView, Rejection};

/// A supervisor's page: anyone else is answered 404.
fn supervisor(signed: &Signed) -> Result<&Caller, PageError> {
    if may_open(&signed.caller, Area::Supervising) {
        Ok(&signed.caller)
    } else {
        Err(AppError::NotFound.into())
    }
}

pub struct QueueRow {
    pub id: String,
    pub who: String,
    pub held_on: String,
    pub kind: &'static str,
    pub format: String,
    pub minutes: String,
    pub notes: String,
    pub warnings: Vec<String>,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "web/queue.html")]
struct QueuePage {
    chrome: Chrome,
    errors: Vec<Shown>,
    notice: Option<String>,
    summary: String,
    rows: Vec<QueueRow>,
    full: bool,
    script: &'static str,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    signed: Option<usize>,
    rejected: Option<String>,
}

impl QueueRow {
    fn of(v: &LogView, checked: bool) -> QueueRow {
        QueueRow {
            checked,
            id: v.log.id.clone(),
            who: v.supervisee_name.clone().unwrap_or_default(),
            held_on: date(v.log.held_on),
            kind: v.log.supervision_type.words(),
            format: words::format(v.log.format, v.log.group_size),
            minutes: words::minutes(v.log.duration_minutes),
            notes: v.log.notes.clone().unwrap_or_default(),
            warnings: v
                .warnings
                .iter()
                .map(|w| super::error::sentence(&w.message))
                .collect(),
        }
    }
}

fn rows(logs: Vec<LogView>, checked: &[String]) -> Vec<QueueRow> {
    logs.iter()
        .map(|v| QueueRow::of(v, checked.contains(&v.log.id)))
        .collect()
}

async fn queue_page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    notice: Option<String>,
    errors: Vec<FieldError>,
    checked: &[String],
) -> Result<HttpResponse, PageError> {
    let who = signed.caller.clone();
    let logs = state
        .db(move |conn| desk::sign_off_queue(conn, &who))
        .await?;
    let n = logs.len();
    let page = QueuePage {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            "Countersign supervision",
            "/sign-off",
        ),
        errors: shown(&errors, &[("ids", "Sessions")]),
        notice,
        summary: format!(
            "{} waiting for you to countersign, oldest first.",
            count(n, "session is", "sessions are")
        ),
        full: n as i64 >= QUEUE_LIMIT,
        rows: rows(logs, checked),
        script: super::assets::script_href(),
    };
    render(status, &page)
}

pub async fn queue(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    supervisor(&signed)?;
    let notice = match (q.signed, q.rejected.as_deref()) {
        (Some(n), _) => Some(format!(
            "You countersigned {}. Thank you.",
            count(n, "session", "sessions")
        )),
        (None, Some(_)) => Some("The session has been sent back with your reason.".to_string()),
        _ => None,
    };
    queue_page(&state, &signed, StatusCode::OK, notice, Vec::new(), &[]).await
}

pub async fn sign_off(
    state: web::Data<AppState>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    let caller = supervisor(&signed)?.clone();
    let ids: Vec<String> = form
        .all("ids")
        .into_iter()
        .filter(|i| !i.is_empty())
        .collect();
    let input = BulkSignOff { ids: ids.clone() };
    let at = state.clock.now();
    let outcome = match supervision::bulk_ids(&input) {
        Ok(ids) => {
            state
                .write(move |conn| supervision::sign_off_all(conn, &caller, &ids, at))
                .await
        }
        Err(e) => Err(e),
    };
    let errors = match outcome {
        Ok(done) => return Ok(see_other(&format!("/sign-off?signed={}", done.len()))),
        Err(AppError::Validation(e)) if ids.is_empty() => {
            let _ = e;
            vec![FieldError::new("ids", "choose at least one session to countersign")]
        }
        Err(AppError::Validation(e)) => e,
        Err(AppError::NotFound) | Err(AppError::NotFoundNamed(_)) => vec![FieldError::new(
            "ids",
            "one of the sessions chosen is no longer waiting for you (withdrawn, moved to another supervisor or already decided); nothing was countersigned",
        )],
        Err(AppError::Conflict(m)) | Err(AppError::Forbidden(m)) => {
            vec![FieldError::new("ids", format!("{m}; nothing was countersigned"))]
        }
        Err(e) => return Err(e.into()),
    };
    queue_page(
        &state,
        &signed,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        errors,
        &ids,
    )
    .await
}

#[derive(Template)]
#[template(path = "web/reject.html")]
struct RejectPage {
    chrome: Chrome,
    errors: Vec<Shown>,
    row: QueueRow,
    reason: String,
}

/// A session naming the caller and still waiting for them; anything else is 404.
async fn waiting_log(state: &AppState, caller: &Caller, id: &str) -> Result<LogView, PageError> {
    let id = crate::http::parse_id(id).map_err(|_| AppError::NotFound)?;
    let who = caller.clone();
    let v = state
        .db(move |conn| supervision::get_log(conn, &who, &id))
        .await?;
    if v.log.supervisor_id != caller.id {
        return Err(AppError::NotFound.into());
    }
    if v.log.status != LogStatus::Submitted {
        return Err(AppError::Conflict("this session has already been decided".into()).into());
    }
    Ok(v)
}

fn reject_page(signed: &Signed, v: LogView, reason: String, errors: Vec<FieldError>) -> RejectPage {
    RejectPage {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            "Send a session back",
            "/sign-off",
        ),
        errors: shown(&errors, &[("reason", "The reason")]),
        row: QueueRow::of(&v, false),
        reason,
    }
}

pub async fn confirm_reject(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let caller = supervisor(&signed)?.clone();
    let v = waiting_log(&state, &caller, &id).await?;
    render(
        StatusCode::OK,
        &reject_page(&signed, v, String::new(), Vec::new()),
    )
}

pub async fn reject(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    let caller = supervisor(&signed)?.clone();
    let v = waiting_log(&state, &caller, &id).await?;
    let reason = form.raw("reason");
    let input = Rejection {
        reason: reason.trim().to_string(),
    };
    let at = state.clock.now();
    let log_id = v.log.id.clone();
    let outcome = state
        .write(move |conn| supervision::reject(conn, &caller, &log_id, input, at))
        .await;
    match outcome {
        Ok(_) => Ok(see_other("/sign-off?rejected=1")),
        Err(AppError::Validation(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &reject_page(&signed, v, reason, errors),
        ),
        Err(e) => Err(e.into()),
    }
}

pub struct Cell {
    pub tag: Option<Tag>,
    pub detail: String,
}

pub struct SuperviseeRow {
    pub id: String,
    pub name: String,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "web/supervisees.html")]
struct SuperviseesPage {
    chrome: Chrome,
    columns: Vec<&'static str>,
    rows: Vec<SuperviseeRow>,
}

pub async fn supervisees(
    state: web::Data<AppState>,
    signed: Signed,
) -> Result<HttpResponse, PageError> {
    let caller = supervisor(&signed)?.clone();
    let today = state.clock.today();
    let people = state
        .db(move |conn| desk::supervisees(conn, &caller, today))
        .await?;
    let kinds: Vec<SupervisionType> = SupervisionType::ALL
        .iter()
        .copied()
        .filter(|t| {
            people
                .iter()
                .any(|(_, items)| items.iter().any(|i| i.supervision_type == *t))
        })
        .collect();
    let rows = people
        .into_iter()
        .map(|(s, items)| SuperviseeRow {
            id: s.id,
            name: s.full_name,
            cells: kinds
                .iter()
                .map(|k| match items.iter().find(|i| i.supervision_type == *k) {
                    Some(i) => Cell {
                        tag: Some(words::compliance(i.status)),
                        detail: format!(
                            "{} of {}",
                            words::minutes(i.achieved_minutes),
                            words::minutes(i.required_minutes)
                        ),
                    },
                    None => Cell {
                        tag: None,
                        detail: "Not required".into(),
                    },
                })
                .collect(),
        })
        .collect();
    let page = SuperviseesPage {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            "Your supervisees",
            "/supervisees",
        ),
        columns: kinds.iter().map(|k| k.words()).collect(),
        rows,
    };
    render(StatusCode::OK, &page)
}
