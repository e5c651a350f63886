//! Reading an uploaded staff list from a request: a `text/csv` body, or a `multipart/form-data`
//! form with a `file` part (and short text fields beside it, such as `dry_run` and a form
//! token). Read as it streams, and stopped at the limit: a file over it is 413 before it is
//! held whole; a body that stalls is 408.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::error::AppError;

/// The most a text field beside the file may hold.
const FIELD_MAX_BYTES: usize = 4096;

/// An upload: the file and the form's other fields.
#[derive(Debug, Default)]
pub struct Upload {
    pub file: Option<Vec<u8>>,
    pub fields: HashMap<String, String>,
}

fn too_large(limit: usize) -> AppError {
    AppError::FileTooLarge { limit_bytes: limit }
}

/// Appends a chunk, refusing to go past `limit`.
fn push(into: &mut Vec<u8>, chunk: &[u8], limit: usize) -> Result<(), AppError> {
    if into.len() + chunk.len() > limit {
        return Err(too_large(limit));
    }
    into.extend_from_slice(chunk);
    Ok(())
}

/// Reads the request's file, at most `limit` bytes, within `wait`.
pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    wait: Duration,
) -> Result<Upload, AppError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // A multipart body carries its boundaries and the other fields too.
    let allowance = if media == "multipart/form-data" {
        limit + 64 * 1024
    } else {
        limit
    };
    if declared.is_some_and(|n| n > allowance) {
        return Err(too_large(limit));
    }
    let work = async {
        match media.as_str() {
            "text/csv" | "application/csv" | "text/plain" => {
                let mut file = Vec::new();
                let mut payload = payload;
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| {
                        AppError::BadRequest(format!("the file could not be read: {e}"))
                    })?;
                    push(&mut file, &chunk, limit)?;
                }
                Ok(Upload {
                    file: Some(file),
                    fields: HashMap::new(),
                })
            }
            "multipart/form-data" => multipart(req, payload, limit).await,
            _ => Err(AppError::UnsupportedMediaType(
                "text/csv, or multipart/form-data with the file in a part named file",
            )),
        }
    };
    tokio::time::timeout(wait, work)
        .await
        .map_err(|_| AppError::RequestTimeout)?
}

async fn multipart(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Upload, AppError> {
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut upload = Upload::default();
    let bad = |e: actix_multipart::MultipartError| {
        AppError::BadRequest(format!("the form could not be read: {e}"))
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or_default().to_string();
        let is_file = name == "file";
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            if is_file {
                push(&mut data, &chunk, limit)?;
            } else if data.len() + chunk.len() > FIELD_MAX_BYTES {
                return Err(AppError::PayloadTooLarge);
            } else {
                data.extend_from_slice(&chunk);
            }
        }
        if is_file {
            if upload.file.is_some() {
                return Err(AppError::invalid("file", "send one file at a time"));
            }
            upload.file = Some(data);
        } else if upload.fields.len() < 16 {
            let text = String::from_utf8(data)
                .map_err(|_| AppError::invalid(&name, "is not UTF-8 text"))?;
            upload.fields.insert(name, text);
        }
    }
    Ok(upload)
}
