//! A practitioner's records (`/records`): their accreditations and registrations with the state
//! of each one's check, their CPD, and their training (with the required courses still to
//! do), and a page to add each. They call the API's list and add use cases.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::fields::FormView;
use super::log_form::day;
use super::page::{date, render, see_other, Chrome};
use super::session::{Form, Posted, Signed};
use super::words::{self, Tag};
use crate::accreditation::courses::{self, queries::CourseFilter};
use crate::accreditation::cpd::{self, CpdQuery, NewCpd};
use crate::accreditation::credentials::{self, NewAccreditation};
use crate::accreditation::rules::TrainingStatus;
use crate::accreditation::training::{self, NewTraining};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area, Caller};
use crate::error::{AppError, FieldError};
use crate::http::page::PageRequest;

fn practitioner(signed: &Signed) -> Result<Caller, PageError> {
    if may_open(&signed.caller, Area::Practice) {
        Ok(signed.caller.clone())
    } else {
        Err(AppError::NotFound.into())
    }
}

pub struct CredentialRow {
    pub what: String,
    pub number: String,
    pub valid: String,
    pub tag: Tag,
    pub checked: String,
}

pub struct CpdRow {
    pub title: String,
    pub held_on: String,
    pub hours: String,
    pub category: String,
    pub reflection: &'static str,
}

pub struct TrainingRow {
    pub course: String,
    pub status: &'static str,
    pub dates: String,
}

#[derive(Template)]
#[template(path = "web/records.html")]
struct RecordsPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    credentials: Vec<CredentialRow>,
    cpd: Vec<CpdRow>,
    training: Vec<TrainingRow>,
    missing: Vec<String>,
}

#[derive(Deserialize)]
pub struct RecordsQuery {
    done: Option<String>,
}

pub(super) fn training_words(s: TrainingStatus) -> &'static str {
    match s {
        TrainingStatus::Enrolled => "Enrolled",
        TrainingStatus::InProgress => "In progress",
        TrainingStatus::Completed => "Completed",
        TrainingStatus::Withdrawn => "Withdrawn",
    }
}

/// Every course, by id, for names and for the training form's choice (one page of 500).
pub(super) fn all_courses(
    conn: &mut crate::db::DbConn,
    at: chrono::NaiveDateTime,
) -> Result<Vec<courses::Course>, AppError> {
    courses::list_courses(
        conn,
        &CourseFilter::default(),
        &PageRequest::parse(Some(500), None)?,
        at,
    )
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<RecordsQuery>,
) -> Result<HttpResponse, PageError> {
    let who = practitioner(&signed)?;
    let at = state.clock.now();
    let (accreditations, activities, trained, courses) = state
        .db(move |conn| {
            let page = PageRequest::parse(Some(100), None)?;
            let a = credentials::list_accreditations(conn, &who, &who.id, &page, at)?.items;
            let no_dates = CpdQuery {
                from: None,
                to: None,
                limit: None,
                cursor: None,
            };
            let c = cpd::list_cpd(conn, &who, &who.id, &no_dates, &page)?;
            let t = training::list_training(conn, &who, &who.id, None, &page)?;
            Ok((a, c, t, all_courses(conn, at)?))
        })
        .await?;
    let course_name = |id: &str| {
        courses
            .iter()
            .find(|c| c.id == id)
            .map(|c| format!("{} ({})", c.title, c.provider))
            .unwrap_or_else(|| "A course".into())
    };
    let page = RecordsPage {
        chrome: Chrome::signed_in(&signed.caller, &signed.csrf, "Your records", "/records"),
        notice: match q.done.as_deref() {
            Some("credential") => Some("Your credential is added. It shows as not verified until your training lead checks it with the body."),
            Some("cpd") => Some("Your CPD activity is added."),
            Some("training") => Some("Your training record is added."),
            _ => None,
        },
        credentials: accreditations
            .iter()
            .map(|c| CredentialRow {
                what: format!("{} {}", c.body, c.kind.replace('_', " ")),
                number: c.membership_number.clone(),
                valid: format!("{} to {}", date(c.valid_from), date(c.expires_on)),
                tag: words::credential(c.status),
                checked: match (&c.verified_at, &c.verification_method) {
                    (Some(at), Some(how)) => format!(
                        "Checked on {} ({})",
                        date(at.date()),
                        how.as_str().replace('_', " ")
                    ),
                    _ => "Waiting for your training lead to check it".into(),
                },
            })
            .collect(),
        cpd: activities
            .iter()
            .take(100)
            .map(|a| CpdRow {
                title: a.title.clone(),
                held_on: date(a.held_on),
                hours: format!("{}", a.hours),
                category: a.category.clone(),
                reflection: if a.reflective_statement.as_deref().is_some_and(|r| !r.trim().is_empty()) {
                    "Yes"
                } else {
                    "Not yet"
                },
            })
            .collect(),
        training: trained
            .items
            .iter()
            .map(|t| TrainingRow {
                course: course_name(&t.course_id),
                status: training_words(t.status),
                dates: match (t.started_on, t.completed_on) {
                    (_, Some(done)) => format!("Completed {}", date(done)),
                    (Some(s), None) => format!("Started {}", date(s)),
                    (None, None) => String::new(),
                },
            })
            .collect(),
        missing: trained.required_missing.iter().map(|m| m.title.clone()).collect(),
    };
    render(StatusCode::OK, &page)
}

/// Which of the three records a form adds.
#[derive(Clone, Copy)]
pub enum Kind {
    Credential,
    Cpd,
    Training,
}

const CREDENTIAL_LABELS: &[(&str, &str)] = &[
    ("body", "Body"),
    ("kind", "Kind"),
    ("membership_number", "Membership or registration number"),
    ("valid_from", "Valid from"),
    ("expires_on", "Expires on"),
];
const CPD_LABELS: &[(&str, &str)] = &[
    ("title", "What you did"),
    ("held_on", "Date"),
    ("hours", "Hours"),
    ("category", "Kind of activity"),
    ("cbt_related", "Related to CBT"),
    ("reflective_statement", "Your reflection"),
];
const TRAINING_LABELS: &[(&str, &str)] = &[
    ("course_id", "Course"),
    ("status", "Status"),
    ("started_on", "Started on"),
    ("completed_on", "Completed on"),
];

#[derive(Template)]
#[template(path = "web/record_new.html")]
struct NewRecordPage {
    chrome: Chrome,
    f: FormView,
    credential: bool,
    cpd: bool,
    action: &'static str,
    bodies: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    courses: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
}

async fn new_page(
    state: &AppState,
    signed: &Signed,
    kind: Kind,
    f: FormView,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let at = state.clock.now();
    let (bodies, kinds, courses) = state
        .db(move |conn| {
            Ok((
                crate::reference::queries::bodies(conn)?,
                crate::accreditation::kinds::list_kinds(conn, None)?,
                all_courses(conn, at)?,
            ))
        })
        .await?;
    let (title, action) = match kind {
        Kind::Credential => (
            "Add an accreditation or registration",
            "/records/credentials",
        ),
        Kind::Cpd => ("Add a CPD activity", "/records/cpd"),
        Kind::Training => ("Add a training record", "/records/training"),
    };
    let page = NewRecordPage {
        chrome: Chrome::signed_in(&signed.caller, &signed.csrf, title, "/records"),
        f,
        credential: matches!(kind, Kind::Credential),
        cpd: matches!(kind, Kind::Cpd),
        action,
        bodies: bodies
            .into_iter()
            .map(|b| (b.code.clone(), format!("{} ({})", b.name, b.code)))
            .collect(),
        kinds: kinds
            .into_iter()
            .map(|k| (k.code.clone(), format!("{}: {}", k.body_code, k.name)))
            .collect(),
        courses: courses
            .into_iter()
            .map(|c| {
                (
                    c.id.clone(),
                    format!("{} ({}, {})", c.title, c.provider, c.body),
                )
            })
            .collect(),
        statuses: TrainingStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), training_words(*s).to_string()))
            .collect(),
    };
    render(status, &page)
}

impl Kind {
    /// The kind a path names: `/records/{kind}/new`, `POST /records/{kind}`.
    fn named(path: &str) -> Result<Kind, PageError> {
        match path {
            "credentials" => Ok(Kind::Credential),
            "cpd" => Ok(Kind::Cpd),
            "training" => Ok(Kind::Training),
            _ => Err(AppError::NotFound.into()),
        }
    }
}

/// `GET /records/{kind}/new`: the form that adds one.
pub async fn new_record(
    state: web::Data<AppState>,
    signed: Signed,
    kind: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    practitioner(&signed)?;
    let kind = Kind::named(&kind)?;
    new_page(&state, &signed, kind, FormView::empty(), StatusCode::OK).await
}

/// A required date field, or a message for it.
fn need_date(f: &Form, field: &str, errors: &mut Vec<FieldError>) -> Option<chrono::NaiveDate> {
    match f.get(field) {
        None => {
            errors.push(FieldError::new(field, "is required"));
            None
        }
        Some(v) => day(v).or_else(|| {
            errors.push(FieldError::new(
                field,
                "must be a real date, like 28 11 2026",
            ));
            None
        }),
    }
}

fn optional_date(f: &Form, field: &str, errors: &mut Vec<FieldError>) -> Option<chrono::NaiveDate> {
    f.get(field)?;
    need_date(f, field, errors)
}

/// Adds one record; on any problem, the form again with every message.
async fn add(state: &AppState, posted: Posted, kind: Kind) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    let who = practitioner(&signed)?;
    let at = state.clock.now();
    let mut errors = Vec::new();
    let text = |f: &str| form.get(f).map(str::to_string);
    let (labels, outcome, done) = match kind {
        Kind::Credential => {
            let valid_from = need_date(&form, "valid_from", &mut errors);
            let expires_on = need_date(&form, "expires_on", &mut errors);
            let outcome = match (valid_from, expires_on, errors.is_empty()) {
                (Some(valid_from), Some(expires_on), true) => {
                    let input = NewAccreditation {
                        body: text("body").unwrap_or_default(),
                        kind: text("kind").unwrap_or_default(),
                        membership_number: text("membership_number").unwrap_or_default(),
                        valid_from,
                        expires_on,
                    };
                    state
                        .write(move |conn| {
                            credentials::add_accreditation(conn, &who, &who.id, input, at)
                                .map(|_| ())
                        })
                        .await
                }
                _ => Err(AppError::Validation(Vec::new())),
            };
            (CREDENTIAL_LABELS, outcome, "credential")
        }
        Kind::Cpd => {
            let held_on = need_date(&form, "held_on", &mut errors);
            let hours = match form.get("hours").map(|h| h.parse::<f64>()) {
                Some(Ok(h)) => Some(h),
                Some(Err(_)) => {
                    errors.push(FieldError::new("hours", "must be a number, like 1.5"));
                    None
                }
                None => {
                    errors.push(FieldError::new("hours", "is required"));
                    None
                }
            };
            let outcome = match (held_on, hours, errors.is_empty()) {
                (Some(held_on), Some(hours), true) => {
                    let input = NewCpd {
                        title: text("title").unwrap_or_default(),
                        held_on,
                        hours,
                        category: text("category").unwrap_or_default(),
                        cbt_related: form.get("cbt_related").is_some(),
                        reflective_statement: text("reflective_statement"),
                        course_id: None,
                    };
                    state
                        .write(move |conn| cpd::add_cpd(conn, &who, &who.id, input, at).map(|_| ()))
                        .await
                }
                _ => Err(AppError::Validation(Vec::new())),
            };
            (CPD_LABELS, outcome, "cpd")
        }
        Kind::Training => {
            let status = match form.get("status") {
                Some(s) => TrainingStatus::parse(s),
                None => None,
            };
            if status.is_none() {
                errors.push(FieldError::new("status", "choose the training's status"));
            }
            let started_on = optional_date(&form, "started_on", &mut errors);
            let completed_on = optional_date(&form, "completed_on", &mut errors);
            let outcome = match (status, errors.is_empty()) {
                (Some(status), true) => {
                    let input = NewTraining {
                        course_id: text("course_id").unwrap_or_default(),
                        status,
                        started_on,
                        completed_on,
                    };
                    state
                        .write(move |conn| {
                            training::add_training(conn, &who, &who.id, input, at).map(|_| ())
                        })
                        .await
                }
                _ => Err(AppError::Validation(Vec::new())),
            };
            (TRAINING_LABELS, outcome, "training")
        }
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/records?done={done}"))),
        Err(AppError::Validation(mut more)) => {
            errors.append(&mut more);
            let f = FormView::again(form, &errors, labels);
            new_page(state, &signed, kind, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /records/{kind}`.
pub async fn add_record(
    state: web::Data<AppState>,
    posted: Posted,
    kind: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    add(&state, posted, Kind::named(&kind)?).await
}
