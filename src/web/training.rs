//! What a training lead keeps the service against, to read: the accredited courses with their
//! status and who still lacks a required one (`/courses`), the competence frameworks
//! (`/frameworks`) and the supervisor eligibility matrix (`/supervisors`). Over the API's use
//! cases (`courses::list_courses`, `required::course_audit`, `competences::list_frameworks`,
//! `competences::eligibility_matrix`); changes go through the API for now.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::PageError;
use super::page::{date, render, Chrome};
use super::session::Signed;
use crate::app::AppState;
use crate::auth::policy::{may_open, report_scope, Area, PeopleScope};
use crate::error::AppError;
use crate::http::page::PageRequest;

/// One table of a page.
pub struct TableView {
    pub id: &'static str,
    pub caption: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "web/tables.html")]
struct Tables {
    chrome: Chrome,
    lead: &'static str,
    tables: Vec<TableView>,
    /// A page that goes with this one: (path, words).
    see_also: Option<(&'static str, &'static str)>,
}

fn scope_of(signed: &Signed) -> Result<PeopleScope, PageError> {
    report_scope(&signed.caller)
        .filter(|_| may_open(&signed.caller, Area::Leading))
        .ok_or(PageError::App(AppError::NotFound))
}

fn show(
    signed: &Signed,
    (title, here): (&str, &str),
    lead: &'static str,
    tables: Vec<TableView>,
    see_also: Option<(&'static str, &'static str)>,
) -> Result<HttpResponse, PageError> {
    render(
        StatusCode::OK,
        &Tables {
            chrome: Chrome::signed_in(&signed.caller, &signed.csrf, title, here),
            lead,
            tables,
            see_also,
        },
    )
}

pub async fn courses(
    state: web::Data<AppState>,
    signed: Signed,
) -> Result<HttpResponse, PageError> {
    let scope = scope_of(&signed)?;
    let at = state.clock.now();
    let audit = state
        .db(move |conn| {
            crate::accreditation::required::course_audit(
                conn,
                &scope,
                &PageRequest::everything(),
                at.date(),
            )
        })
        .await?
        .0;
    let mut courses = Vec::new();
    let mut lacking = Vec::new();
    for a in &audit {
        let c = &a.course;
        courses.push(vec![
            c.title.clone(),
            c.provider.clone(),
            format!("{} ({})", c.modality, c.body),
            c.kind.as_str().replace('_', " "),
            format!(
                "{} to {}",
                date(c.accredited_from),
                date(c.accredited_until)
            ),
            c.status.as_str().to_string(),
            a.completions.to_string(),
        ]);
        for r in &a.required {
            let names: Vec<&str> = r.lacking.iter().map(|l| l.full_name.as_str()).collect();
            lacking.push(vec![
                c.title.clone(),
                r.practitioner_role
                    .as_deref()
                    .map(|p| p.replace('_', " "))
                    .unwrap_or_else(|| "everyone".into()),
                if names.is_empty() {
                    "Nobody".into()
                } else {
                    names.join(", ")
                },
            ]);
        }
    }
    show(
        &signed,
        ("Courses and required training", "/courses"),
        "The accredited programmes the registry knows, with each one's accreditation, and who in the service still lacks a course it requires.",
        vec![
            TableView {
                id: "courses",
                caption: "Courses".into(),
                header: vec!["Course", "Provider", "Modality (body)", "Kind", "Accredited", "Status", "Completions"],
                rows: courses,
            },
            TableView {
                id: "required",
                caption: "Required courses and who lacks them".into(),
                header: vec!["Course", "Required of", "Not completed by"],
                rows: lacking,
            },
        ],
        Some(("/reports/courses", "The course report, to download")),
    )
}

pub async fn frameworks(
    state: web::Data<AppState>,
    signed: Signed,
) -> Result<HttpResponse, PageError> {
    scope_of(&signed)?;
    let list = state.db(crate::competences::list_frameworks).await?;
    let tables = list
        .iter()
        .enumerate()
        .map(|(i, f)| TableView {
            id: ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"][i.min(7)],
            caption: format!("{} ({})", f.framework.title, f.framework.source),
            header: vec!["Domain", "Code", "Competence"],
            rows: f
                .domains
                .iter()
                .flat_map(|d| {
                    d.competences
                        .iter()
                        .map(|c| vec![d.domain.clone(), c.code.clone(), c.title.clone()])
                })
                .collect(),
        })
        .collect();
    show(
        &signed,
        ("Competence frameworks", "/supervisors"),
        "The frameworks supervisors are trained and assessed against, each competence under its domain.",
        tables,
        Some(("/supervisors", "Who may supervise what")),
    )
}

pub async fn supervisors(
    state: web::Data<AppState>,
    signed: Signed,
) -> Result<HttpResponse, PageError> {
    let scope = scope_of(&signed)?;
    let at = state.clock.now();
    let rows = state
        .db(move |conn| {
            crate::competences::eligibility_matrix(
                conn,
                &scope,
                &crate::competences::SupervisorQuery {
                    modality: None,
                    service_id: None,
                    limit: None,
                    cursor: None,
                },
                &PageRequest::parse(Some(500), None)?,
                at,
            )
        })
        .await?;
    let table = rows
        .iter()
        .flat_map(|s| {
            s.modalities.iter().map(|m| {
                vec![
                    s.full_name.clone(),
                    m.modality.replace('_', " "),
                    if m.eligible {
                        "Yes".into()
                    } else {
                        "Not yet".into()
                    },
                    m.missing.join("; "),
                ]
            })
        })
        .collect();
    show(
        &signed,
        ("Who may supervise what", "/supervisors"),
        "Each supervisor, whether they may supervise each modality, and what they still lack: the same rule that decides whom a session may name.",
        vec![TableView {
            id: "eligibility",
            caption: "Supervisors by modality".into(),
            header: vec!["Supervisor", "Modality", "May supervise", "Still lacks"],
            rows: table,
        }],
        Some(("/frameworks", "The competence frameworks")),
    )
}
