//! What every route shares: the error type, the JSON body extractor, pagination, the
//! request-id span, and path helpers that answer 405 with `Allow`.

pub mod body;
pub mod caller;
pub mod client;
pub mod csv;
pub mod html;
pub mod input;
pub mod page;
pub mod paths;
pub mod report;
pub mod wire;

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpRequest, Resource};
use serde::de::DeserializeOwned;
use tracing::Instrument;

pub use crate::error::{validate, AppError, FieldError, Problem};

/// Largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JSON body. Unlike actix's own: a wrong content type is 415, a body over 256 KiB is 413,
/// malformed JSON is 400, and a well-formed body of the wrong shape is 422 naming the field.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + validator::Validate + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Json<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        let body = web::Bytes::from_request(req, payload);
        let wait = req
            .app_data::<web::Data<crate::app::AppState>>()
            .map(|s| s.settings.body_timeout_secs)
            .unwrap_or(10);
        Box::pin(async move {
            // A body that never arrives must not hold the connection (and its buffer) open.
            let read = tokio::time::timeout(std::time::Duration::from_secs(wait), body)
                .await
                .map_err(|_| AppError::RequestTimeout)?;
            let bytes = read.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest(format!("the request body could not be read: {e}"))
                }
            })?;
            if !is_json {
                return Err(AppError::UnsupportedMediaType("application/json"));
            }
            parse_json(&bytes).map(Json)
        })
    }
}

/// Parses a JSON body, telling malformed JSON (400, trailing bytes included) from a body of the
/// wrong shape (422). Every string passes [`input::check_json`] first; then every field's
/// problem is named at once: missing fields, wrong types and unknown fields ([`body::read`]),
/// and the request type's own checks on the rest.
pub fn parse_json<T: DeserializeOwned + validator::Validate>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    let mut errors = input::check_json(&value);
    let most = if bytes.len() > body::FULL_READ_BYTES {
        1
    } else {
        50
    };
    let (shape, read) = body::read_at_most::<T>(value, most);
    for e in shape {
        if !errors.iter().any(|known| known.field == e.field) {
            errors.push(e);
        }
    }
    match read {
        Some(v) if errors.is_empty() => Ok(v),
        Some(v) => {
            if let Err(AppError::Validation(more)) = validate(&v) {
                for e in more {
                    if !errors.iter().any(|known| known.field == e.field) {
                        errors.push(e);
                    }
                }
            }
            Err(AppError::Validation(errors))
        }
        None => Err(AppError::Validation(errors)),
    }
}

/// A resource whose other methods answer 405 with `Allow` as problem details.
pub fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(AppError::MethodNotAllowed(allow))
    }))
}

/// The path as logged: a calendar feed's path and an emailed sign-off link's are secrets, so
/// that part is left out.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/calendar/") {
        "/calendar/{secret}.ics"
    } else if path.starts_with("/sign-off/") {
        "/sign-off/{token}"
    } else {
        path
    }
}

/// Ids are UUIDs: anything else cannot name a record, so it is a 404 like an unknown id.
pub fn parse_id(raw: &str) -> Result<String, AppError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| AppError::NotFound)
}

pub const REQUEST_ID: &str = "x-request-id";

/// Gives every request a span carrying its request id (the caller's `X-Request-Id` when it is
/// short and plain, else a new one), echoes the id on the response, and logs the outcome.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %loggable_path(req.path()),
        user_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let metrics = req
        .app_data::<actix_web::web::Data<crate::app::AppState>>()
        .map(|s| s.metrics.clone());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().to_string();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static(REQUEST_ID), v);
    }
    let status = res.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(m) = metrics {
        m.observe(&route, &method, status, elapsed_ms / 1000.0);
    }
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request done");
        }
    });
    Ok(res)
}
