//! A supervisor signs off a supervisee's competence (`/supervisees/{id}/competences`): the
//! person's competences with their state, and a form to record an assessment with its
//! evidence. The same `person_competences` and `assess` as the API, so the same rule decides
//! who may assess what (nobody themselves; a supervisor only what they hold a current sign-off
//! for) and a person the caller may not see is 404.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::PageError;
use super::fields::FormView;
use super::log_form::day;
use super::page::{date, render, see_other, Chrome};
use super::session::{Posted, Signed};
use super::words::Tag;
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::competences::rules::{CompetenceState, EvidenceMethod, Outcome};
use crate::competences::NewAssessment;
use crate::error::{AppError, FieldError};

const LABELS: &[(&str, &str)] = &[
    ("competency_id", "Competence"),
    ("outcome", "Outcome"),
    ("evidence", "Evidence"),
    ("evidence_method", "How it was seen"),
    ("assessed_on", "Date assessed"),
    ("review_due_on", "Review due"),
];

pub struct Row {
    pub title: String,
    pub tag: Tag,
    pub last: String,
}

#[derive(Template)]
#[template(path = "web/competences.html")]
struct CompetencesPage {
    chrome: Chrome,
    person: String,
    action: String,
    notice: Option<&'static str>,
    rows: Vec<Row>,
    f: FormView,
    competences: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
    methods: Vec<(String, String)>,
}

pub(super) fn state_tag(s: CompetenceState) -> Tag {
    match s {
        CompetenceState::NotAssessed => Tag {
            words: "Not assessed",
            class: "tag-neutral",
        },
        CompetenceState::Met => Tag {
            words: "Met",
            class: "tag-good",
        },
        CompetenceState::NotYetMet => Tag {
            words: "Not yet met",
            class: "tag-soon",
        },
        CompetenceState::ReviewOverdue => Tag {
            words: "Review overdue",
            class: "tag-bad",
        },
    }
}

async fn page(
    state: &AppState,
    signed: &Signed,
    person: String,
    f: FormView,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    if !may_open(&signed.caller, Area::Supervising) {
        return Err(AppError::NotFound.into());
    }
    let id = crate::http::parse_id(&person).map_err(|_| AppError::NotFound)?;
    let who = signed.caller.clone();
    let at = state.clock.now();
    let pid = id.clone();
    let (list, name) = state
        .db(move |conn| {
            let list = crate::competences::person_competences(conn, &who, &pid, at)?;
            let name = crate::supervision::queries::subject(conn, &pid)?
                .map(|s| s.full_name)
                .ok_or(AppError::NotFound)?;
            Ok((list, name))
        })
        .await?;
    let page = CompetencesPage {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            &format!("Competences of {name}"),
            "/supervisees",
        ),
        person: name,
        action: format!("/supervisees/{id}/competences"),
        notice,
        rows: list
            .items
            .iter()
            .map(|c| Row {
                title: format!("{} {}", c.code, c.title),
                tag: state_tag(c.state),
                last: match (c.assessed_on, c.review_due_on) {
                    (Some(on), Some(r)) => format!("Assessed {}, review by {}", date(on), date(r)),
                    (Some(on), None) => format!("Assessed {}", date(on)),
                    _ => String::new(),
                },
            })
            .collect(),
        f,
        competences: list
            .items
            .iter()
            .map(|c| (c.competency_id.clone(), format!("{} {}", c.code, c.title)))
            .collect(),
        outcomes: vec![
            (Outcome::Met.as_str().into(), "Met".into()),
            (Outcome::NotYetMet.as_str().into(), "Not yet met".into()),
        ],
        methods: EvidenceMethod::ALL
            .iter()
            .filter(|m| **m != EvidenceMethod::Unspecified)
            .map(|m| (m.as_str().into(), m.as_str().replace('_', " ")))
            .collect(),
    };
    render(status, &page)
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<String>,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let notice = q
        .contains_key("done")
        .then_some("The assessment is recorded.");
    page(
        &state,
        &signed,
        id.into_inner(),
        FormView::empty(),
        StatusCode::OK,
        notice,
    )
    .await
}

pub async fn assess(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    if !may_open(&signed.caller, Area::Supervising) {
        return Err(AppError::NotFound.into());
    }
    let person = crate::http::parse_id(&id).map_err(|_| AppError::NotFound)?;
    let mut errors = Vec::new();
    let outcome = form.get("outcome").and_then(Outcome::parse);
    if outcome.is_none() {
        errors.push(FieldError::new("outcome", "choose met or not yet met"));
    }
    let mut date_of = |field: &str| match form.get(field) {
        None => None,
        Some(v) => day(v).or_else(|| {
            errors.push(FieldError::new(
                field,
                "must be a real date, like 28 11 2026",
            ));
            None
        }),
    };
    let assessed_on = date_of("assessed_on");
    let review_due_on = date_of("review_due_on");
    let outcome = match (outcome, errors.is_empty()) {
        (Some(outcome), true) => {
            let input = NewAssessment {
                competency_id: form.get("competency_id").unwrap_or_default().to_string(),
                outcome,
                evidence: form.get("evidence").unwrap_or_default().to_string(),
                evidence_method: form.get("evidence_method").and_then(EvidenceMethod::parse),
                assessed_on,
                review_due_on,
            };
            let at = state.clock.now();
            let who = signed.caller.clone();
            let pid = person.clone();
            state
                .write(move |conn| crate::competences::assess(conn, &who, &pid, input, at))
                .await
                .map(|_| ())
        }
        _ => Err(AppError::Validation(Vec::new())),
    };
    let (mut more, status) = match outcome {
        Ok(()) => {
            return Ok(see_other(&format!(
                "/supervisees/{person}/competences?done=1"
            )))
        }
        Err(AppError::Validation(e)) => (e, StatusCode::UNPROCESSABLE_ENTITY),
        // Who may assess what is the API's rule: its refusal is shown by the competence.
        Err(AppError::Forbidden(why)) => (
            vec![FieldError::new("competency_id", why)],
            StatusCode::FORBIDDEN,
        ),
        Err(e) => return Err(e.into()),
    };
    errors.append(&mut more);
    let f = FormView::again(form, &errors, LABELS);
    page(&state, &signed, person, f, status, None).await
}
