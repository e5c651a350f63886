//! CSV for report exports: RFC 4180 quoting, and any cell a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return) prefixed with `'`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::page::PageRequest;
use super::AppError;

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

/// A whole report as CSV: `header`, then every row of every page `fetch` answers (its rows, and
/// the id to continue after), `batch` records at a time, each written by `write`.
pub fn export<R>(
    header: &[&str],
    batch: i64,
    mut fetch: impl FnMut(&PageRequest) -> Result<(Vec<R>, Option<String>), AppError>,
    mut write: impl FnMut(&mut String, &R),
) -> Result<String, AppError> {
    let mut out = String::new();
    push_row(&mut out, header);
    let mut page = PageRequest {
        limit: batch,
        after: None,
    };
    loop {
        let (rows, next) = fetch(&page)?;
        for r in &rows {
            write(&mut out, r);
        }
        match next {
            Some(after) => page.after = Some(after),
            None => return Ok(out),
        }
    }
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
