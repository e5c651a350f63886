//! `GET /services`, `POST /services`: the registry's services for admins, and adding one. Over
//! `services::list_services` and `services::create_service`, as the API's `GET,POST /services`.
//! People's roles are given on their own page (`/people/{id}/edit`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::PageError;
use super::fields::FormView;
use super::page::{render, see_other, Chrome};
use super::session::{Posted, Signed};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::error::{AppError, FieldError};
use crate::http::page::PageRequest;

const LABELS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("provider", "Provider"),
    ("contact_email", "Contact email"),
];

#[derive(Template)]
#[template(path = "web/services.html")]
struct Page {
    chrome: Chrome,
    notice: Option<&'static str>,
    f: FormView,
    services: Vec<(String, String, String, String)>,
}

async fn page(
    state: &AppState,
    signed: &Signed,
    f: FormView,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    if !may_open(&signed.caller, Area::Running) {
        return Err(AppError::NotFound.into());
    }
    let services = state
        .db(|conn| crate::services::list_services(conn, &PageRequest::everything()))
        .await?
        .into_iter()
        .map(|s| {
            (
                s.name,
                s.provider,
                s.contact_email.unwrap_or_default(),
                format!("/dashboard?service_id={}", s.id),
            )
        })
        .collect();
    render(
        status,
        &Page {
            chrome: Chrome::signed_in(&signed.caller, &signed.csrf, "Services", "/services"),
            notice,
            f,
            services,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let notice = q.contains_key("done").then_some("The service is added.");
    page(&state, &signed, FormView::empty(), StatusCode::OK, notice).await
}

pub async fn add(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    if !may_open(&signed.caller, Area::Running) {
        return Err(AppError::NotFound.into());
    }
    let input = crate::services::NewService {
        name: form.get("name").unwrap_or_default().to_string(),
        provider: form.get("provider").unwrap_or_default().to_string(),
        contact_email: form.get("contact_email").map(str::to_string),
    };
    let caller = signed.caller.clone();
    let at = state.clock.now();
    let errors: Vec<FieldError> = match state
        .write(move |conn| crate::services::create_service(conn, &caller, input, at))
        .await
    {
        Ok(_) => return Ok(see_other("/services?done=1")),
        Err(AppError::Validation(e)) => e,
        Err(AppError::Conflict(why)) => vec![FieldError::new("name", why)],
        Err(e) => return Err(e.into()),
    };
    let f = FormView::again(form, &errors, LABELS);
    page(&state, &signed, f, StatusCode::UNPROCESSABLE_ENTITY, None).await
}
