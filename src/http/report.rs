//! The one report responder: a report answers a JSON page, or, for `Accept: text/csv`, every
//! row streamed as CSV. Whole (unpaged) reports answer their JSON document or its rows as CSV.

use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::csv;
use super::page::{encode_cursor, PageRequest};
use crate::app::AppState;
use crate::db::DbConn;
use crate::error::AppError;

/// A report row as a CSV record.
pub trait CsvRecord {
    /// The file name offered for download.
    const FILE: &'static str;
    const HEADER: &'static [&'static str];
    /// Rows read and sent at a time when streaming.
    const BATCH: i64 = 500;
    fn cells(&self) -> Vec<String>;

    /// The row's records: one, unless a row stands for several. The CSV and the report pages
    /// both show these.
    fn records(&self) -> Vec<Vec<String>> {
        vec![self.cells()]
    }

    /// Writes the row's CSV records.
    fn write(&self, out: &mut String) {
        for r in self.records() {
            csv::push_row(out, &r);
        }
    }
}

/// One page of a paged report: its rows, and the id to continue after when more follow.
pub type Batch<R> = (Vec<R>, Option<String>);

/// A page of a report, as every paged report answers: a list page with the day it describes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The day the report describes.
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
}

/// What a report covers, for the name of the file it downloads as.
pub struct Covers {
    /// The one service it covers, by name; `None` for every service.
    pub service: Option<String>,
    /// The day it describes.
    pub as_of: NaiveDate,
}

/// The file a report downloads as: the report, the service and the day, e.g.
/// `accreditation-northfield-talking-therapies-2026-12-01.csv`.
fn file_name(file: &str, covers: &Covers) -> String {
    let stem = file.strip_suffix(".csv").unwrap_or(file);
    let service = covers
        .service
        .as_deref()
        .map(slug)
        .filter(|s| !s.is_empty());
    let service = service.unwrap_or_else(|| "all-services".into());
    format!("{stem}-{service}-{}.csv", covers.as_of)
}

/// Lower-case ASCII letters and digits, anything else one hyphen: safe in any file name.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(60).collect()
}

/// Answers a paged report: the page the query asks for as JSON, or every row as streamed CSV.
pub async fn paged<R, F>(
    state: &AppState,
    req: &HttpRequest,
    paging: (Option<i64>, Option<&str>),
    covers: Covers,
    fetch: F,
) -> Result<HttpResponse, AppError>
where
    R: CsvRecord + Serialize + Send + 'static,
    F: FnMut(&mut DbConn, &PageRequest) -> Result<Batch<R>, AppError> + Send + 'static,
{
    if csv::wanted(req) {
        return download(state, covers, fetch).await;
    }
    let (limit, cursor) = paging;
    let page = PageRequest::parse(limit, cursor)?;
    let mut fetch = fetch;
    let (items, next) = state.db(move |conn| fetch(conn, &page)).await?;
    Ok(HttpResponse::Ok().json(ReportPage {
        items,
        next_cursor: next.as_deref().map(encode_cursor),
        as_of: covers.as_of,
    }))
}

/// Every row of a paged report as streamed CSV, named for what it covers: the API's answer to
/// `Accept: text/csv` and a report page's "Download CSV".
pub async fn download<R, F>(
    state: &AppState,
    covers: Covers,
    fetch: F,
) -> Result<HttpResponse, AppError>
where
    R: CsvRecord + Send + 'static,
    F: FnMut(&mut DbConn, &PageRequest) -> Result<Batch<R>, AppError> + Send + 'static,
{
    let name = file_name(R::FILE, &covers);
    csv::stream(state, &name, R::HEADER, R::BATCH, fetch, |out, r: &R| {
        r.write(out)
    })
    .await
}

/// Answers a whole report: the document as JSON, or its rows as CSV.
pub fn whole<T: Serialize, R: CsvRecord>(
    req: &HttpRequest,
    report: &T,
    rows: &[R],
    covers: &Covers,
) -> HttpResponse {
    if !csv::wanted(req) {
        return HttpResponse::Ok().json(report);
    }
    whole_csv(rows, covers)
}

/// A whole report's rows as CSV.
pub fn whole_csv<R: CsvRecord>(rows: &[R], covers: &Covers) -> HttpResponse {
    let mut out = String::new();
    csv::push_row(&mut out, R::HEADER);
    for r in rows {
        r.write(&mut out);
    }
    csv::response(&file_name(R::FILE, covers), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_named_for_its_report_service_and_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a day");
        let one = Covers {
            service: Some("Northfield Talking Therapies (East)".into()),
            as_of: day,
        };
        assert_eq!(
            file_name("accreditation.csv", &one),
            "accreditation-northfield-talking-therapies-east-2026-12-01.csv"
        );
        let all = Covers {
            service: None,
            as_of: day,
        };
        assert_eq!(
            file_name("workforce.csv", &all),
            "workforce-all-services-2026-12-01.csv"
        );
        assert_eq!(slug("  ../Ünïcode & co!"), "n-code-co");
    }
}
