//! How a page answers when it cannot do what was asked: a page in plain words, never problem
//! JSON. A signed-out visitor is sent to sign in; a form without its token is refused (403); a
//! record the caller may not see is "Page not found", as the API's 404.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::page::{html, Chrome};
use crate::error::AppError;

#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): sign in, then come back to `next`.
    SignIn {
        next: Option<String>,
    },
    /// A form without a valid form token, or from another site.
    Refused,
    App(AppError),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError::App(e)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::SignIn { .. } => write!(f, "not signed in"),
            PageError::Refused => write!(f, "form refused"),
            PageError::App(e) => write!(f, "{e}"),
        }
    }
}

#[derive(Template)]
#[template(path = "web/problem.html")]
struct Problem<'a> {
    chrome: Chrome,
    message: &'a str,
    sign_in: bool,
}

fn problem(status: StatusCode, title: &str, message: &str, sign_in: bool) -> HttpResponse {
    let page = Problem {
        chrome: Chrome::bare(title),
        message,
        sign_in,
    };
    match page.render() {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "the problem page did not render");
            HttpResponse::build(status).body(message.to_string())
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn { .. } => StatusCode::SEE_OTHER,
            PageError::Refused => StatusCode::FORBIDDEN,
            PageError::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignIn { next } => {
                let to = match next {
                    Some(n) => format!(
                        "/login?next={}",
                        url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
                    ),
                    None => "/login".to_string(),
                };
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, to))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .finish()
            }
            PageError::Refused => problem(
                StatusCode::FORBIDDEN,
                "This form could not be accepted",
                "Nothing was changed. The form did not come from your signed-in registry page, \
                 or your session has ended. Sign in again and repeat what you were doing.",
                true,
            ),
            PageError::App(e) => {
                let status = e.status_code();
                let (title, message) = match e {
                    AppError::NotFound | AppError::NotFoundNamed(_) | AppError::NoSuchPath(_) => (
                        "Page not found",
                        "If you typed the web address, check it is correct. If you followed a \
                         link, the page may have moved or is not one you can open."
                            .to_string(),
                    ),
                    AppError::Forbidden(m) | AppError::Conflict(m) | AppError::BadRequest(m) => {
                        ("This cannot be done", sentence(m))
                    }
                    AppError::TooManyRequests { retry_after_secs } => (
                        "Too many tries",
                        format!(
                            "There have been too many tries. Wait {} minutes and try again.",
                            (retry_after_secs + 59) / 60
                        ),
                    ),
                    AppError::FileTooLarge { limit_bytes } => (
                        "The file is too large",
                        format!(
                            "The file is larger than the {} KiB the registry takes at once. Split the staff list into smaller files and import each one.",
                            limit_bytes / 1024
                        ),
                    ),
                    AppError::PayloadTooLarge => (
                        "Too much was sent",
                        "The form was too large to accept. Shorten the notes and try again."
                            .to_string(),
                    ),
                    AppError::Internal(detail) => {
                        tracing::error!(error = %detail, "page failed");
                        (
                            "Sorry, there is a problem with the registry",
                            "Try again later. Nothing you were doing has been half-saved."
                                .to_string(),
                        )
                    }
                    other => ("Sorry, there is a problem", sentence(&other.to_string())),
                };
                problem(status, title, &message, false)
            }
        }
    }
}

/// A message of the core ("this log is signed off ...") as a sentence.
pub fn sentence(m: &str) -> String {
    let mut c = m.chars();
    let mut s = match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    };
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}
