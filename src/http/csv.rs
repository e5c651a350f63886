//! CSV for report exports: RFC 4180 quoting, and any cell a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return) prefixed with `'`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use actix_web::web::Bytes;
use futures_util::StreamExt;

use super::page::PageRequest;
use super::AppError;
use crate::app::AppState;
use crate::db::DbConn;

/// Whether the client asked for CSV (`Accept: text/csv`).
pub fn wanted(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|m| m.trim().starts_with("text/csv")))
}

pub fn cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// Appends one record (CRLF-terminated, as RFC 4180 has it).
pub fn push_row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    let line: Vec<String> = cells.iter().map(|c| cell(c.as_ref())).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

/// A whole report streamed as CSV: `header`, then every row of every page `fetch` answers (its
/// rows, and the id to continue after), `batch` records at a time, each written by `write`. Each
/// batch goes to the client as it is read, so memory holds one batch however long the report.
/// A failure before the first batch answers a problem; a later one cuts the response short
/// (chunked encoding never completes, so the client sees the export failed) and is logged.
pub async fn stream<R, F, W>(
    state: &AppState,
    filename: &str,
    header: &'static [&'static str],
    batch: i64,
    mut fetch: F,
    write: W,
) -> Result<HttpResponse, AppError>
where
    F: FnMut(&mut DbConn, &PageRequest) -> Result<(Vec<R>, Option<String>), AppError>
        + Send
        + 'static,
    W: Fn(&mut String, &R) + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, AppError>>(2);
    let pool = state.pool.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut run = || -> Result<(), AppError> {
            let mut conn = pool.get()?;
            let mut out = String::new();
            push_row(&mut out, header);
            let mut page = PageRequest {
                limit: batch,
                after: None,
            };
            loop {
                let (rows, next) = fetch(&mut conn, &page)?;
                for r in &rows {
                    write(&mut out, r);
                }
                if tx
                    .blocking_send(Ok(Bytes::from(std::mem::take(&mut out))))
                    .is_err()
                {
                    tracing::info!("the client left before the export ended");
                    return Ok(());
                }
                match next {
                    Some(after) => page.after = Some(after),
                    None => return Ok(()),
                }
            }
        };
        if let Err(e) = run() {
            tracing::error!(error = %e, "CSV export failed");
            let _ = tx.blocking_send(Err(e));
        }
    });
    let first = match rx.recv().await {
        Some(Ok(bytes)) => bytes,
        Some(Err(e)) => return Err(e),
        None => return Err(AppError::internal("the export stopped before it began")),
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|item| (item.map_err(actix_web::Error::from), rx))
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, actix_web::Error>(first) }).chain(rest);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}

pub fn response(filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for risky in ["+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                cell(risky).trim_start_matches('"').starts_with('\''),
                "{risky}"
            );
        }
        let mut out = String::new();
        push_row(&mut out, &["a", "b\nc"]);
        assert_eq!(out, "a,\"b\nc\"\r\n");
    }
}
