//! A practitioner's supervision pages: record a session (`/supervision/new`, `POST
//! /supervision`), their sessions (`/supervision`), and change or withdraw one while it waits
//! for countersignature. The form's fields are named as the API's; it calls `create_log`,
//! `update_log` and `withdraw_log`, and shows every message they give beside its field.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::log_form::{form_page, notes, parse, Values};
use super::page::{date, render, see_other, Chrome};
use super::session::{Form, Posted, Signed};
use super::words::{self, Tag};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area, Caller};
use crate::error::{AppError, FieldError};
use crate::http::page::{encode_cursor, PageRequest};
use crate::supervision::desk::{self, Choice};
use crate::supervision::rules::LogStatus;
use crate::supervision::{self, LogFilter, LogPatch, LogView, NewLog};

/// A practitioner's page: anyone else is answered 404, as a record they may not see.
fn practitioner(signed: &Signed) -> Result<&Caller, PageError> {
    if may_open(&signed.caller, Area::Practice) {
        Ok(&signed.caller)
    } else {
        Err(AppError::NotFound.into())
    }
}

async fn choices(state: &AppState, caller: &Caller) -> Result<Vec<Choice>, AppError> {
    let who = caller.clone();
    let today = state.clock.today();
    state
        .db(move |conn| desk::supervisor_choices(conn, &who, today))
        .await
}

pub async fn new_log(
    state: web::Data<AppState>,
    signed: Signed,
) -> Result<HttpResponse, PageError> {
    let caller = practitioner(&signed)?;
    let choices = choices(&state, caller).await?;
    let page = form_page(
        &signed,
        "Record a supervision session",
        "/supervision".into(),
        "Record the session",
        Values::default(),
        choices,
        Vec::new(),
    );
    render(StatusCode::OK, &page)
}

/// Which form a page shows: recording a session, or changing one.
struct Spec {
    title: &'static str,
    action: String,
    button: &'static str,
}

/// The form again, as typed, with every message (422).
async fn again(
    state: &AppState,
    signed: &Signed,
    spec: Spec,
    form: &Form,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let choices = choices(state, &signed.caller).await?;
    let page = form_page(
        signed,
        spec.title,
        spec.action,
        spec.button,
        Values::from_form(form),
        choices,
        errors,
    );
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// After `create_log` or `update_log`: on to the list, its email sent; or the form again.
async fn finish(
    state: &AppState,
    signed: &Signed,
    spec: Spec,
    form: &Form,
    outcome: Result<(LogView, Option<String>), AppError>,
    done: &str,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok((_, email)) => {
            crate::outbox::send_soon(state, email);
            Ok(see_other(&format!("/supervision?done={done}")))
        }
        Err(AppError::Validation(errors)) => again(state, signed, spec, form, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn create(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    let caller = practitioner(&signed)?.clone();
    let p = parse(&form, true);
    let spec = Spec {
        title: "Record a supervision session",
        action: "/supervision".into(),
        button: "Record the session",
    };
    let input = match (p.held_on, p.duration, p.kind, p.format, p.errors.is_empty()) {
        (Some(held_on), Some(duration_minutes), Some(supervision_type), Some(format), true) => {
            NewLog {
                supervisee_id: None,
                supervisor_id: form.raw("supervisor_id").trim().to_string(),
                held_on,
                duration_minutes,
                supervision_type,
                format,
                group_size: p.group_size,
                cases_discussed: p.cases,
                notes: notes(&form),
            }
        }
        _ => return again(&state, &signed, spec, &form, p.errors).await,
    };
    let at = state.clock.now();
    let keys = state.tokens.clone();
    let who = caller.clone();
    let outcome = state
        .write(move |conn| supervision::create_log(conn, &who, input, &keys, at))
        .await;
    finish(&state, &signed, spec, &form, outcome, "recorded").await
}

pub struct LogRow {
    pub id: String,
    pub held_on: String,
    pub kind: &'static str,
    pub format: String,
    pub minutes: String,
    pub supervisor: String,
    pub tag: Tag,
    pub reason: Option<String>,
    pub warnings: Vec<String>,
    pub open: bool,
}

pub struct Filter {
    pub value: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "web/logs.html")]
struct LogsPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    filters: Vec<Filter>,
    rows: Vec<LogRow>,
    more: Option<String>,
    status_words: &'static str,
}

#[derive(Deserialize)]
pub struct LogsQuery {
    status: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<LogsQuery>,
) -> Result<HttpResponse, PageError> {
    let caller = practitioner(&signed)?.clone();
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(LogStatus::parse(s).ok_or(AppError::NotFound)?),
    };
    let page = PageRequest::parse(Some(50), q.cursor.as_deref()).map_err(|_| AppError::NotFound)?;
    let filter = LogFilter {
        supervisee_id: Some(caller.id.clone()),
        status,
        ..Default::default()
    };
    let p = page.clone();
    let rows = state
        .db(move |conn| supervision::list_logs(conn, &caller, &filter, &p))
        .await?;
    let (rows, next) = page.split(rows, |l| &l.log.id);
    let status_param = status
        .map(|s| format!("status={}&", s.as_str()))
        .unwrap_or_default();
    let notice = match q.done.as_deref() {
        Some("recorded") => {
            Some("Your session is recorded. Your supervisor has been asked to countersign it.")
        }
        Some("changed") => Some("Your changes are saved."),
        Some("withdrawn") => Some("The session is withdrawn."),
        _ => None,
    };
    let mut filters = vec![Filter {
        value: "",
        label: "All",
        current: status.is_none(),
    }];
    for s in LogStatus::ALL {
        filters.push(Filter {
            value: s.as_str(),
            label: words::log(*s).words,
            current: status == Some(*s),
        });
    }
    let page = LogsPage {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            "Your supervision sessions",
            "/supervision",
        ),
        notice,
        filters,
        more: next.map(|id| format!("/supervision?{status_param}cursor={}", encode_cursor(&id))),
        status_words: status.map(|s| words::log(s).words).unwrap_or("All"),
        rows: rows
            .into_iter()
            .map(|v| LogRow {
                id: v.log.id.clone(),
                held_on: date(v.log.held_on),
                kind: v.log.supervision_type.words(),
                format: words::format(v.log.format, v.log.group_size),
                minutes: words::minutes(v.log.duration_minutes),
                supervisor: v.supervisor_name.clone().unwrap_or_default(),
                tag: words::log(v.log.status),
                reason: v.log.rejection_reason.clone(),
                warnings: v
                    .warnings
                    .iter()
                    .map(|w| super::error::sentence(&w.message))
                    .collect(),
                open: v.log.status == LogStatus::Submitted,
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// One of the caller's own logs still waiting for countersignature; anything else is 404.
async fn own_open_log(state: &AppState, caller: &Caller, id: &str) -> Result<LogView, PageError> {
    let id = crate::http::parse_id(id).map_err(|_| AppError::NotFound)?;
    let who = caller.clone();
    let v = state
        .db(move |conn| supervision::get_log(conn, &who, &id))
        .await?;
    if v.log.supervisee_id != caller.id {
        return Err(AppError::NotFound.into());
    }
    if v.log.status != LogStatus::Submitted {
        return Err(AppError::Conflict(
            "this session has been countersigned or sent back, so it can no longer change".into(),
        )
        .into());
    }
    Ok(v)
}

pub async fn edit(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let caller = practitioner(&signed)?.clone();
    let v = own_open_log(&state, &caller, &id).await?;
    let choices = choices(&state, &caller).await?;
    let page = form_page(
        &signed,
        "Change a supervision session",
        format!("/supervision/{}", v.log.id),
        "Save the changes",
        Values::from_log(&v),
        choices,
        Vec::new(),
    );
    render(StatusCode::OK, &page)
}

pub async fn update(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    let caller = practitioner(&signed)?.clone();
    let v = own_open_log(&state, &caller, &id).await?;
    let spec = Spec {
        title: "Change a supervision session",
        action: format!("/supervision/{}", v.log.id),
        button: "Save the changes",
    };
    let p = parse(&form, true);
    if !p.errors.is_empty() {
        return again(&state, &signed, spec, &form, p.errors).await;
    }
    let patch = LogPatch {
        supervisor_id: form.get("supervisor_id").map(str::to_string),
        held_on: p.held_on,
        duration_minutes: p.duration,
        supervision_type: p.kind,
        format: p.format,
        group_size: p.group_size,
        cases_discussed: p.cases,
        notes: Some(notes(&form).unwrap_or_default()),
    };
    let at = state.clock.now();
    let keys = state.tokens.clone();
    let log_id = v.log.id.clone();
    let outcome = state
        .write(move |conn| supervision::update_log(conn, &caller, &log_id, patch, &keys, at))
        .await;
    finish(&state, &signed, spec, &form, outcome, "changed").await
}

#[derive(Template)]
#[template(path = "web/withdraw.html")]
struct WithdrawPage {
    chrome: Chrome,
    id: String,
    held_on: String,
    kind: &'static str,
    supervisor: String,
}

pub async fn confirm_withdraw(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let caller = practitioner(&signed)?.clone();
    let v = own_open_log(&state, &caller, &id).await?;
    let page = WithdrawPage {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            "Withdraw a session",
            "/supervision",
        ),
        id: v.log.id.clone(),
        held_on: date(v.log.held_on),
        kind: v.log.supervision_type.words(),
        supervisor: v.supervisor_name.unwrap_or_default(),
    };
    render(StatusCode::OK, &page)
}

pub async fn withdraw(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let caller = practitioner(&posted.signed)?.clone();
    let v = own_open_log(&state, &caller, &id).await?;
    let at = state.clock.now();
    state
        .write(move |conn| supervision::withdraw_log(conn, &caller, &v.log.id, at))
        .await?;
    Ok(see_other("/supervision?done=withdrawn"))
}
