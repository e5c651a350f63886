//! `GET /audits`, `POST /audits/{id}`: a training lead's open and sent audits by the bodies,
//! soonest due first, with the days left and what each body asks for that the records lack;
//! each can be marked sent or closed. Over `body_audits::list` and `body_audits::change`, as
//! the API's `GET /body-audits` and `PATCH /body-audits/{id}`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::PageError;
use super::page::{count, date, render, see_other, Chrome};
use super::session::{Posted, Signed};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::body_audits::{self, AuditPatch, AuditQuery, AuditStatus, BodyAudit};
use crate::error::AppError;
use crate::http::page::PageRequest;

pub struct Row {
    pub id: String,
    pub person_id: String,
    pub name: String,
    pub body: String,
    pub requested: String,
    pub due: String,
    pub left: String,
    pub overdue: bool,
    pub sent: Option<String>,
    pub missing: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/audits.html")]
struct Page {
    chrome: Chrome,
    notice: Option<String>,
    open: Vec<Row>,
    submitted: Vec<Row>,
}

fn row(a: BodyAudit) -> Row {
    Row {
        left: match a.days_left {
            d if d < 0 => format!("{} overdue", count((-d) as usize, "day", "days")),
            0 => "Due today".into(),
            d => format!("{} left", count(d as usize, "day", "days")),
        },
        overdue: a.days_left < 0,
        id: a.id,
        person_id: a.practitioner_id,
        name: a.full_name,
        body: a.body,
        requested: date(a.requested_on),
        due: date(a.due_on),
        sent: a.submitted_on.map(date),
        missing: a.missing.into_iter().map(|m| m.message).collect(),
    }
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    if !may_open(&signed.caller, Area::Leading) {
        return Err(AppError::NotFound.into());
    }
    let notice = match q.get("done").map(String::as_str) {
        Some("submitted") => Some("The audit is marked as sent to the body.".to_string()),
        Some("closed") => Some("The audit is closed.".to_string()),
        _ => None,
    };
    let who = signed.caller.clone();
    let today = state.clock.today();
    let (open, submitted) = state
        .db(move |conn| {
            let page = PageRequest::parse(Some(500), None)?;
            let of = |status: &str| AuditQuery {
                status: Some(status.into()),
                service_id: None,
                limit: None,
                cursor: None,
            };
            let open = body_audits::list(conn, &who, &of("open"), &page, today)?;
            let submitted = body_audits::list(conn, &who, &of("submitted"), &page, today)?;
            Ok((open.items, submitted.items))
        })
        .await?;
    let page = Page {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            "Audits by the bodies",
            "/audits",
        ),
        notice,
        open: open.into_iter().map(row).collect(),
        submitted: submitted.into_iter().map(row).collect(),
    };
    render(StatusCode::OK, &page)
}

pub async fn change(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    if !may_open(&signed.caller, Area::Leading) {
        return Err(AppError::NotFound.into());
    }
    let id = crate::http::parse_id(&id).map_err(|_| AppError::NotFound)?;
    let status = AuditStatus::parse(form.get("status").unwrap_or_default())
        .ok_or_else(|| AppError::invalid("status", "must be submitted or closed"))?;
    let at = state.clock.now();
    let who = signed.caller.clone();
    state
        .write(move |conn| {
            body_audits::change(
                conn,
                &who,
                &id,
                AuditPatch {
                    status,
                    submitted_on: None,
                },
                at,
            )
        })
        .await?;
    Ok(see_other(&format!("/audits?done={}", status.as_str())))
}
