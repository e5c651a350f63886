//! `GET /verification`, `POST /verification/{id}`: the credentials waiting for a check, oldest
//! first, each with a form to record who checked which register, how and the reference. Over
//! `credentials::queue::verification_queue` and `credentials::verify`, as the API's
//! `GET /verification-queue` and `PATCH /accreditations/{id}`: nobody checks their own.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::PageError;
use super::page::{count, date, render, see_other, Chrome};
use super::session::{Posted, Signed};
use crate::accreditation::credentials::queue::verification_queue;
use crate::accreditation::credentials::{Verification, VerificationMethod};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::error::{AppError, FieldError};

pub struct ErrorLink {
    pub anchor: String,
    pub text: String,
}

pub struct Item {
    pub id: String,
    pub heading: String,
    pub number: String,
    pub valid: String,
    pub added: String,
    pub cannot: Option<String>,
    /// What was typed, and the messages, when this item's form came back with a problem.
    pub method: String,
    pub reference: String,
    pub method_error: Option<String>,
    pub reference_error: Option<String>,
}

#[derive(Template)]
#[template(path = "web/verification.html")]
struct Page {
    chrome: Chrome,
    errors: Vec<ErrorLink>,
    notice: Option<&'static str>,
    summary: String,
    items: Vec<Item>,
    methods: Vec<(&'static str, &'static str)>,
}

fn method_words(m: VerificationMethod) -> &'static str {
    match m {
        VerificationMethod::RegisterLookup => "Looked up on the body's public register",
        VerificationMethod::CertificateSeen => "Saw the certificate",
        VerificationMethod::BodyConfirmation => "The body confirmed it",
        VerificationMethod::Other => "Another way (say how in the reference)",
    }
}

/// A form that came back: the credential, what was typed and its problems.
struct Returned {
    id: String,
    method: String,
    reference: String,
    errors: Vec<FieldError>,
}

async fn page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    notice: Option<&'static str>,
    returned: Option<Returned>,
) -> Result<HttpResponse, PageError> {
    if !may_open(&signed.caller, Area::Leading) {
        return Err(AppError::NotFound.into());
    }
    let who = signed.caller.clone();
    let today = state.clock.today();
    let queue = state
        .db(move |conn| verification_queue(conn, &who, None, today))
        .await?;
    let mut errors = Vec::new();
    let items = queue
        .items
        .into_iter()
        .map(|w| {
            let a = &w.accreditation;
            let mut item = Item {
                id: a.id.clone(),
                heading: format!("{}: {} {}", w.full_name, a.body, a.kind.replace('_', " ")),
                number: a.membership_number.clone(),
                valid: format!("{} to {}", date(a.valid_from), date(a.expires_on)),
                added: date(a.created_at.date()),
                cannot: w.cannot_verify.clone(),
                method: String::new(),
                reference: String::new(),
                method_error: None,
                reference_error: None,
            };
            if let Some(r) = returned.as_ref().filter(|r| r.id == a.id) {
                item.method = r.method.clone();
                item.reference = r.reference.clone();
                for e in &r.errors {
                    let text = format!(
                        "{} {}",
                        if e.field == "verification_reference" {
                            "The reference"
                        } else {
                            "How it was checked"
                        },
                        e.message
                    );
                    let anchor = if e.field == "verification_reference" {
                        item.reference_error = Some(text.clone());
                        format!("reference-{}", a.id)
                    } else {
                        item.method_error = Some(text.clone());
                        format!("method-{}", a.id)
                    };
                    errors.push(ErrorLink { anchor, text });
                }
            }
            item
        })
        .collect();
    let summary = match queue.total {
        0 => "No credential is waiting for a check.".to_string(),
        n => format!(
            "{} waiting for a check, oldest first.",
            count(n as usize, "credential is", "credentials are")
        ),
    };
    render(
        status,
        &Page {
            chrome: Chrome::signed_in(
                &signed.caller,
                &signed.csrf,
                "Check credentials",
                "/verification",
            ),
            errors,
            notice,
            summary,
            items,
            methods: VerificationMethod::ALL
                .iter()
                .map(|m| (m.as_str(), method_words(*m)))
                .collect(),
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let notice = q
        .contains_key("done")
        .then_some("The check is recorded. The credential is no longer waiting.");
    page(&state, &signed, StatusCode::OK, notice, None).await
}

pub async fn record(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    if !may_open(&signed.caller, Area::Leading) {
        return Err(AppError::NotFound.into());
    }
    let id = crate::http::parse_id(&id).map_err(|_| AppError::NotFound)?;
    let method = form
        .get("verification_method")
        .unwrap_or_default()
        .to_string();
    let reference = form
        .get("verification_reference")
        .unwrap_or_default()
        .to_string();
    let outcome = match VerificationMethod::parse(&method) {
        None => Err(AppError::Validation(vec![FieldError::new(
            "verification_method",
            "must be chosen: how you checked it",
        )])),
        Some(m) => {
            let input = Verification {
                verified: true,
                verification_method: m,
                verification_reference: Some(reference.clone()),
            };
            let at = state.clock.now();
            let who = signed.caller.clone();
            let aid = id.clone();
            state
                .write(move |conn| {
                    crate::accreditation::credentials::verify(conn, &who, &aid, input, at)
                })
                .await
                .map(|_| ())
        }
    };
    let (errors, status) = match outcome {
        Ok(()) => return Ok(see_other("/verification?done=1")),
        Err(AppError::Validation(e)) => (e, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::Forbidden(why)) => (
            vec![FieldError::new("verification_method", why)],
            StatusCode::FORBIDDEN,
        ),
        Err(AppError::Conflict(why)) => (
            vec![FieldError::new("verification_method", why)],
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(e.into()),
    };
    let returned = Returned {
        id,
        method,
        reference,
        errors,
    };
    page(&state, &signed, status, None, Some(returned)).await
}
