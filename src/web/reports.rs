//! `GET /reports` and `GET /reports/{name}`: each report of the API on a page for training
//! leads and admins, with its filters, a page of rows at a time and "Download CSV"
//! (`?format=csv`, every row, as the API's `Accept: text/csv`). Each calls the report's own use
//! case and shows the records its CSV holds, so the page, the file and the API agree.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::page::{date, render, Chrome};
use super::report_filters::{choices, choose, filter, Filter, CREDENTIALS, STATES, STATUSES};
use super::session::Signed;
use crate::app::AppState;
use crate::auth::policy::{may_open, report_scope, Area, PeopleScope};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::{encode_cursor, PageRequest};
use crate::http::report::{self, Batch, CsvRecord};
use crate::reports::service_in_scope;

/// Rows on one report page.
const PAGE_ROWS: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub service_id: Option<String>,
    pub status: Option<String>,
    pub state: Option<String>,
    pub practitioner_role: Option<String>,
    pub body: Option<String>,
    pub kind: Option<String>,
    pub framework_id: Option<String>,
    /// The workforce report's period (YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    pub cursor: Option<String>,
    /// `csv`: download every row.
    pub format: Option<String>,
}

/// A report as the index lists it.
pub struct Listed {
    pub name: &'static str,
    pub title: &'static str,
    pub about: &'static str,
}

const REPORTS: [Listed; 6] = [
    Listed {
        name: "supervision-compliance",
        title: "Supervision compliance",
        about: "Each practitioner's supervision against the policy, type by type.",
    },
    Listed {
        name: "accreditation",
        title: "Accreditation and registration",
        about: "Every credential with its expiry, its check and CPD for the next renewal.",
    },
    Listed {
        name: "courses",
        title: "Courses and required training",
        about: "Each course's accreditation and completions, and who still lacks a required course.",
    },
    Listed {
        name: "competencies",
        title: "Competences",
        about: "The current state of every assessed competence, with its review date.",
    },
    Listed {
        name: "workforce",
        title: "Workforce",
        about: "Headcount and whole-time equivalent by role and stage, with starters, leavers and turnover over 12 months.",
    },
    Listed {
        name: "representation",
        title: "Representation",
        about: "Equality data in aggregate only, with small counts hidden.",
    },
];

#[derive(Template)]
#[template(path = "web/reports.html")]
struct Index {
    chrome: Chrome,
    reports: &'static [Listed],
}

#[derive(Template)]
#[template(path = "web/report.html")]
struct Table {
    chrome: Chrome,
    about: &'static str,
    /// Plain words on what the figures hide or mean, where a report needs them.
    explain: &'static str,
    filters: Vec<Filter>,
    period: Option<(String, String)>,
    services: Vec<(String, String)>,
    chosen_service: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    as_of: String,
    csv_href: String,
    next_href: Option<String>,
}

const REPRESENTATION: &str = "These counts describe groups, never a person. Any count under 5 is hidden, and so is any other count that, with a total shown here, would let someone work a hidden one out. Hidden counts show as \"hidden\", and the same counts are hidden whoever looks. Ethnicity and languages are never shown for one person.";

/// The caller's report scope, or 404 for someone who does not lead a service.
fn scope_of(signed: &Signed) -> Result<PeopleScope, PageError> {
    report_scope(&signed.caller)
        .filter(|_| may_open(&signed.caller, Area::Leading))
        .ok_or(PageError::App(AppError::NotFound))
}

pub async fn index(signed: Signed) -> Result<HttpResponse, PageError> {
    scope_of(&signed)?;
    render(
        StatusCode::OK,
        &Index {
            chrome: Chrome::signed_in(&signed.caller, &signed.csrf, "Reports", "/reports"),
            reports: &REPORTS,
        },
    )
}

/// Column names in words: `full_name` reads "Full name".
fn words(column: &str) -> String {
    let spaced = column.replace('_', " ");
    let mut c = spaced.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Everything a report page needs besides its rows.
struct Frame {
    listed: &'static Listed,
    scope: PeopleScope,
    service: Option<String>,
    filters: Vec<Filter>,
    explain: &'static str,
    csv: bool,
    query: String,
    /// The workforce report's period as typed: (from, to).
    period: Option<(String, String)>,
}

async fn services_of(
    state: &AppState,
    scope: &PeopleScope,
) -> Result<Vec<(String, String)>, AppError> {
    if *scope != PeopleScope::All {
        return Ok(Vec::new());
    }
    state
        .db(|conn| {
            Ok(
                crate::services::list_services(conn, &PageRequest::everything())?
                    .into_iter()
                    .map(|s| (s.id, s.name))
                    .collect(),
            )
        })
        .await
}

async fn show_rows(
    state: &AppState,
    signed: &Signed,
    f: Frame,
    header: &[&str],
    rows: Vec<Vec<String>>,
    next: Option<String>,
) -> Result<HttpResponse, PageError> {
    let services = services_of(state, &f.scope).await?;
    let base = format!("/reports/{}", f.listed.name);
    let sep = if f.query.is_empty() { "" } else { "&" };
    render(
        StatusCode::OK,
        &Table {
            chrome: Chrome::signed_in(&signed.caller, &signed.csrf, f.listed.title, "/reports"),
            about: f.listed.about,
            explain: f.explain,
            filters: f.filters,
            period: f.period,
            services,
            chosen_service: f.service.unwrap_or_default(),
            header: header.iter().map(|h| words(h)).collect(),
            rows,
            as_of: date(state.clock.today()),
            csv_href: format!("{base}?{}{sep}format=csv", f.query),
            next_href: next.map(|n| format!("{base}?{}{sep}cursor={}", f.query, encode_cursor(&n))),
        },
    )
}

/// A paged report: one page of its records, or with `format=csv` every row as the API's CSV.
async fn paged<R, F>(
    state: &AppState,
    signed: &Signed,
    f: Frame,
    cursor: Option<String>,
    fetch: F,
) -> Result<HttpResponse, PageError>
where
    R: CsvRecord + Send + 'static,
    F: FnMut(&mut DbConn, &PageRequest) -> Result<Batch<R>, AppError> + Send + 'static,
{
    let today = state.clock.today();
    if f.csv {
        let covers =
            crate::services::covers_for(state, true, &f.scope, f.service.as_deref(), today).await?;
        return Ok(report::download(state, covers, fetch).await?);
    }
    let page = PageRequest::parse(Some(PAGE_ROWS), cursor.as_deref())?;
    let mut fetch = fetch;
    let (items, next) = state.db(move |conn| fetch(conn, &page)).await?;
    let rows = items.iter().flat_map(CsvRecord::records).collect();
    show_rows(state, signed, f, R::HEADER, rows, next).await
}

/// A whole report: its records on the page, or with `format=csv` as the API's CSV.
async fn whole<R: CsvRecord>(
    state: &AppState,
    signed: &Signed,
    f: Frame,
    rows: &[R],
) -> Result<HttpResponse, PageError> {
    if f.csv {
        let covers = crate::services::covers_for(
            state,
            true,
            &f.scope,
            f.service.as_deref(),
            state.clock.today(),
        )
        .await?;
        return Ok(report::whole_csv(rows, &covers));
    }
    let records = rows.iter().flat_map(CsvRecord::records).collect();
    show_rows(state, signed, f, R::HEADER, records, None).await
}

/// The query string that keeps the filters (for the CSV link and the next page).
fn kept(q: &Query, service: &Option<String>) -> String {
    let pairs: Vec<(&str, &str)> = [
        ("service_id", service),
        ("status", &q.status),
        ("state", &q.state),
        ("practitioner_role", &q.practitioner_role),
        ("body", &q.body),
        ("kind", &q.kind),
        ("framework_id", &q.framework_id),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    name: web::Path<String>,
    q: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let scope = scope_of(&signed)?;
    let listed = REPORTS
        .iter()
        .find(|r| r.name == name.as_str())
        .ok_or(PageError::App(AppError::NotFound))?;
    let mut q = q.into_inner();
    for v in [
        &mut q.service_id,
        &mut q.status,
        &mut q.state,
        &mut q.cursor,
        &mut q.practitioner_role,
        &mut q.body,
        &mut q.kind,
        &mut q.framework_id,
        &mut q.from,
        &mut q.to,
    ] {
        if v.as_deref().is_some_and(str::is_empty) {
            *v = None;
        }
    }
    // Another service's report is, to a lead, a page that does not exist.
    let service = service_in_scope(scope.clone(), q.service_id.clone())
        .map_err(|_| PageError::App(AppError::NotFound))?;
    let at = state.clock.now();
    let mut f = Frame {
        listed,
        scope: scope.clone(),
        service: service.clone(),
        filters: Vec::new(),
        explain: "",
        csv: q.format.as_deref() == Some("csv"),
        query: kept(&q, &service),
        period: None,
    };
    let cursor = q.cursor.clone();
    match listed.name {
        "supervision-compliance" => {
            let [roles, ..] = choices(&state).await?;
            f.filters
                .push(filter("status", "Status", &q.status, STATUSES));
            f.filters.push(choose(
                "practitioner_role",
                "Role",
                &q.practitioner_role,
                roles,
            ));
            let rq = crate::supervision::report::ReportQuery {
                service_id: service,
                practitioner_role: q.practitioner_role,
                status: q.status,
                limit: None,
                cursor: None,
            };
            crate::supervision::report::report_status(rq.status.as_deref())?;
            paged(&state, &signed, f, cursor, move |conn, page| {
                crate::supervision::report::report_page(conn, &scope, &rq, page, at.date())
            })
            .await
        }
        "accreditation" => {
            let [_, bodies, kinds, _] = choices(&state).await?;
            f.filters
                .push(filter("status", "Status", &q.status, CREDENTIALS));
            f.filters.push(choose("body", "Body", &q.body, bodies));
            f.filters.push(choose("kind", "Credential", &q.kind, kinds));
            let rq = crate::accreditation::credentials::ReportQuery {
                service_id: service,
                body: q.body,
                kind: q.kind,
                status: q.status,
                limit: None,
                cursor: None,
            };
            crate::accreditation::credentials::report_status(rq.status.as_deref())?;
            paged(&state, &signed, f, cursor, move |conn, page| {
                crate::accreditation::credentials::report_page(conn, &scope, &rq, page, at)
            })
            .await
        }
        "courses" => {
            paged(&state, &signed, f, cursor, move |conn, page| {
                crate::accreditation::required::course_audit(conn, &scope, page, at.date())
            })
            .await
        }
        "competencies" => {
            let [.., frameworks] = choices(&state).await?;
            f.filters.push(filter("state", "State", &q.state, STATES));
            f.filters.push(choose(
                "framework_id",
                "Framework",
                &q.framework_id,
                frameworks,
            ));
            let rq = crate::competences::CompetenceReportQuery {
                service_id: service,
                framework_id: q.framework_id,
                state: q.state,
                limit: None,
                cursor: None,
            };
            crate::competences::report_state(rq.state.as_deref())?;
            paged(&state, &signed, f, cursor, move |conn, page| {
                crate::competences::report_page(conn, &scope, &rq, page, at)
            })
            .await
        }
        "workforce" => {
            let day = |field: &'static str, v: &Option<String>| -> Result<_, AppError> {
                v.as_deref()
                    .map(|d| {
                        d.parse::<chrono::NaiveDate>().map_err(|_| {
                            AppError::invalid(field, "must be a date, like 2026-04-01")
                        })
                    })
                    .transpose()
            };
            let wq = crate::reports::workforce::WorkforceQuery {
                service_id: service,
                from: day("from", &q.from)?,
                to: day("to", &q.to)?,
            };
            f.period = Some((
                q.from.clone().unwrap_or_default(),
                q.to.clone().unwrap_or_default(),
            ));
            let r = state
                .db(move |conn| crate::reports::workforce::workforce_report(conn, scope, wq, at))
                .await?;
            let period = format!("{}/{}", r.period.from, r.period.to);
            let lines: Vec<crate::reports::workforce::WorkforceLine<'_>> = r
                .items
                .iter()
                .map(|row| crate::reports::workforce::WorkforceLine {
                    row,
                    period: &period,
                })
                .collect();
            whole(&state, &signed, f, &lines).await
        }
        _ => {
            f.explain = REPRESENTATION;
            let rq = crate::reports::representation::RepresentationQuery {
                service_id: service,
            };
            let r = state
                .db(move |conn| {
                    crate::reports::representation::representation_report(conn, scope, rq, at)
                })
                .await?;
            whole(&state, &signed, f, &r.items).await
        }
    }
}
