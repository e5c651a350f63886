//! Importing staff (`/imports/new`, `POST /imports`) for training leads and admins: upload a
//! staff list, read the preview (each row, what will happen to it, its problems), then confirm.
//! The file is not kept between the two: the preview's confirm form carries it back, and the
//! import checks it again whole. Over `imports::import_practitioners`, as the API and the
//! command line.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::error::PageError;
use super::page::{count, render, Chrome};
use super::session::{PostedUpload, Signed};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area, Importer};
use crate::imports::{ImportOptions, ImportReport, RowAction};

/// Rows shown in a preview beside every row with a problem.
const PREVIEW_ROWS: usize = 100;

pub struct ErrorLink {
    pub anchor: String,
    pub text: String,
}

pub struct PreviewRow {
    pub row: usize,
    pub email: String,
    pub name: String,
    pub action: &'static str,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: Vec<ErrorLink>,
    services: Vec<(String, String)>,
    chosen_service: String,
    columns: Vec<(&'static str, String)>,
    /// After an upload: the outcome in words, the rows shown and how many are not.
    outcome: Option<Outcome>,
}

pub struct Outcome {
    pub heading: String,
    pub summary: String,
    pub rows: Vec<PreviewRow>,
    pub hidden_rows: usize,
    pub ignored: String,
    /// The file to send back with the confirm form (a clean dry run only).
    pub confirm_file: Option<String>,
    pub done: bool,
}

fn importer(signed: &Signed) -> Result<Importer, PageError> {
    if !may_open(&signed.caller, Area::Leading) {
        return Err(PageError::App(crate::error::AppError::NotFound));
    }
    Ok(Importer::Person(signed.caller.clone()))
}

async fn page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    errors: Vec<ErrorLink>,
    chosen_service: String,
    outcome: Option<Outcome>,
) -> Result<HttpResponse, PageError> {
    let who = importer(signed)?;
    let services = state
        .db(move |conn| crate::imports::services_for(conn, &who))
        .await?;
    let columns = crate::imports::understood_columns()
        .into_iter()
        .filter(|(f, _)| *f != "first_name" && *f != "last_name")
        .map(|(f, headers)| (f, headers.join(", ")))
        .collect();
    let title = match &outcome {
        Some(o) => o.heading.clone(),
        None => "Import staff from a spreadsheet".to_string(),
    };
    render(
        status,
        &ImportPage {
            chrome: Chrome::signed_in(&signed.caller, &signed.csrf, &title, "/imports/new"),
            errors,
            services,
            chosen_service,
            columns,
            outcome,
        },
    )
}

pub async fn new_import(
    state: web::Data<AppState>,
    signed: Signed,
) -> Result<HttpResponse, PageError> {
    page(
        &state,
        &signed,
        StatusCode::OK,
        Vec::new(),
        String::new(),
        None,
    )
    .await
}

fn action_words(a: RowAction, dry_run: bool) -> &'static str {
    match (a, dry_run) {
        (RowAction::Create, true) => "Will be added and invited",
        (RowAction::Create, false) => "Added and invited",
        (RowAction::Update, true) => "Will be updated",
        (RowAction::Update, false) => "Updated",
        (RowAction::Unchanged, _) => "No change",
        (RowAction::Error, _) => "Not imported: see the problems",
    }
}

/// The report in words, with the rows to show and the summary's links to each problem.
fn outcome_of(report: &ImportReport, file: Option<String>) -> (Vec<ErrorLink>, Outcome) {
    let mut by_row: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut links = Vec::new();
    for e in &report.errors {
        let text = match &e.column {
            Some(c) => format!("{c}: {}", e.message),
            None => e.message.clone(),
        };
        match e.row {
            Some(r) if r > 1 => {
                links.push(ErrorLink {
                    anchor: format!("row-{r}"),
                    text: format!("Row {r}, {text}"),
                });
                by_row.entry(r).or_default().push(text);
            }
            _ => links.push(ErrorLink {
                anchor: "file".into(),
                text: sentence(&text),
            }),
        }
    }
    let mut shown = 0;
    let mut rows = Vec::new();
    for r in &report.rows {
        let problems = by_row.remove(&r.row).unwrap_or_default();
        if problems.is_empty() {
            if shown >= PREVIEW_ROWS {
                continue;
            }
            shown += 1;
        }
        rows.push(PreviewRow {
            row: r.row,
            email: r.email.clone(),
            name: r.full_name.clone(),
            action: action_words(r.action, report.dry_run),
            problems,
        });
    }
    let hidden_rows = report.rows.len() - rows.len();
    let clean = report.errors.is_empty();
    let (heading, summary) = match (clean, report.dry_run) {
        (false, _) => (
            "The file has problems".to_string(),
            format!(
                "Nothing has been imported. Correct {} in the spreadsheet, save it as CSV and upload it again.",
                count(report.errors.len(), "problem", "problems")
            ),
        ),
        (true, true) => (
            "Check the import".to_string(),
            format!(
                "{} will be added (each is emailed an invitation), {} updated and {} left as they are. Nothing has been saved yet.",
                people(report.created), people(report.updated), people(report.unchanged)
            ),
        ),
        (true, false) => (
            "Staff imported".to_string(),
            format!(
                "{} added, {} updated and {} left as they were. Invitations are on their way by email.",
                people(report.created), people(report.updated), people(report.unchanged)
            ),
        ),
    };
    let outcome = Outcome {
        heading,
        summary,
        rows,
        hidden_rows,
        ignored: report.ignored_columns.join(", "),
        confirm_file: if clean && report.dry_run { file } else { None },
        done: clean && !report.dry_run,
    };
    (links, outcome)
}

fn people(n: usize) -> String {
    count(n, "person", "people")
}

fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let PostedUpload { signed, upload } =
        PostedUpload::read(&req, payload, state.settings.import_max_bytes).await?;
    let who = importer(&signed)?;
    let service = upload
        .fields
        .get("service_id")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let chosen = service.clone().unwrap_or_default();
    let Some(file) = upload.file.filter(|f| !f.is_empty()) else {
        let errors = vec![ErrorLink {
            anchor: "file".into(),
            text: "Choose the staff list to upload (a CSV file)".into(),
        }];
        return page(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            chosen,
            None,
        )
        .await;
    };
    let options = ImportOptions {
        dry_run: upload.fields.contains_key("dry_run"),
        service_id: service,
        mapping: Vec::new(),
    };
    let text = String::from_utf8(file.clone()).ok();
    let report = match crate::imports::routes::run(&state, who, file, options).await {
        Ok(r) => r,
        Err(crate::error::AppError::Validation(errors)) => {
            let links = errors
                .into_iter()
                .map(|e| ErrorLink {
                    anchor: e.field,
                    text: sentence(&e.message),
                })
                .collect();
            return page(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                links,
                chosen,
                None,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (links, outcome) = outcome_of(&report, text);
    page(&state, &signed, status, links, chosen, Some(outcome)).await
}
