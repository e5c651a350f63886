//! A supervisor records a supervisee's live assessment of practice
//! (`/supervisees/{id}/live-assessments`): where they stand against their body's rule, the
//! assessments so far, and a form for an outcome on an intervention or why none was possible.
//! The same `live_assessments::record` and `list` as the API, so the same rule decides who may
//! record (a supervisor of the person's service, never the person) and an unseen person is 404.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::PageError;
use super::fields::FormView;
use super::log_form::day;
use super::page::{date, render, see_other, Chrome};
use super::session::{Posted, Signed};
use super::words::{self, Tag};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::error::{AppError, FieldError};
use crate::http::page::PageRequest;
use crate::live_assessments::{LiveOutcome, NewLiveAssessment};

const LABELS: &[(&str, &str)] = &[
    ("assessed_on", "Date assessed"),
    ("intervention", "Intervention"),
    ("outcome", "Outcome"),
    ("tool", "Rated on"),
    ("notes", "Notes"),
    ("not_possible_reason", "Why no assessment was possible"),
];

pub struct Row {
    pub on: String,
    pub what: String,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "web/live.html")]
struct LivePage {
    chrome: Chrome,
    person: String,
    action: String,
    notice: Option<&'static str>,
    standing: Option<(Tag, String)>,
    rows: Vec<Row>,
    f: FormView,
    interventions: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
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
    let (list, interventions, subject, standing) = state
        .db(move |conn| {
            let list = crate::live_assessments::list(
                conn,
                &who,
                &pid,
                &PageRequest::parse(Some(500), None)?,
            )?;
            let interventions = crate::live_assessments::interventions(conn)?.items;
            let subject =
                crate::supervision::queries::subject(conn, &pid)?.ok_or(AppError::NotFound)?;
            let standing = crate::supervision::live::of_subjects(
                conn,
                std::slice::from_ref(&subject),
                at.date(),
            )?
            .remove(&pid)
            .map(|(c, _, _)| c);
            Ok((list, interventions, subject, standing))
        })
        .await?;
    let name_of = |code: &str| {
        interventions
            .iter()
            .find(|i| i.code == code)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| code.replace('_', " "))
    };
    let page = LivePage {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            &format!("Live assessments of {}", subject.full_name),
            "/supervisees",
        ),
        person: subject.full_name.clone(),
        action: format!("/supervisees/{id}/live-assessments"),
        notice,
        standing: standing.map(|c| {
            (
                words::compliance(c.status),
                format!(
                    "{} of {} meeting the standard, on {} of {} different interventions, in the last {} days; next due {}",
                    c.achieved, c.required, c.distinct_interventions, c.required_interventions,
                    c.window_days, date(c.next_due_on)
                ),
            )
        }),
        rows: list
            .iter()
            .rev()
            .map(|a| Row {
                on: date(a.assessed_on),
                what: a.intervention.as_deref().map(name_of).unwrap_or_default(),
                outcome: match (a.outcome, &a.not_possible_reason) {
                    (Some(LiveOutcome::MeetsStandard), _) => "Meets the standard".into(),
                    (Some(LiveOutcome::NotYet), _) => "Not yet".into(),
                    (None, Some(why)) => format!("Not possible: {why}"),
                    (None, None) => String::new(),
                },
            })
            .collect(),
        f,
        interventions: interventions.iter().map(|i| (i.code.clone(), i.name.clone())).collect(),
        outcomes: vec![
            (LiveOutcome::MeetsStandard.as_str().into(), "Meets the standard".into()),
            (LiveOutcome::NotYet.as_str().into(), "Not yet".into()),
        ],
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
        .then_some("The live assessment is recorded.");
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

pub async fn record(
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
    let assessed_on = match form.get("assessed_on") {
        None => {
            errors.push(FieldError::new(
                "assessed_on",
                "enter the date of the assessment",
            ));
            None
        }
        Some(v) => day(v).or_else(|| {
            errors.push(FieldError::new(
                "assessed_on",
                "must be a real date, like 28 11 2026",
            ));
            None
        }),
    };
    let outcome = match form.get("outcome") {
        None => None,
        Some(v) => LiveOutcome::parse(v).or_else(|| {
            errors.push(FieldError::new(
                "outcome",
                "choose meets the standard or not yet",
            ));
            None
        }),
    };
    let text = |name: &str| form.get(name).map(str::to_string);
    let outcome = match (assessed_on, errors.is_empty()) {
        (Some(assessed_on), true) => {
            let input = NewLiveAssessment {
                assessed_on,
                intervention: text("intervention"),
                outcome,
                tool: text("tool"),
                notes: text("notes"),
                not_possible_reason: text("not_possible_reason"),
            };
            let at = state.clock.now();
            let who = signed.caller.clone();
            let pid = person.clone();
            state
                .write(move |conn| crate::live_assessments::record(conn, &who, &pid, input, at))
                .await
                .map(|_| ())
        }
        _ => Err(AppError::Validation(Vec::new())),
    };
    let (mut more, status) = match outcome {
        Ok(()) => {
            return Ok(see_other(&format!(
                "/supervisees/{person}/live-assessments?done=1"
            )))
        }
        Err(AppError::Validation(e)) => (e, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::Forbidden(why)) => {
            (vec![FieldError::new("outcome", why)], StatusCode::FORBIDDEN)
        }
        Err(e) => return Err(e.into()),
    };
    errors.append(&mut more);
    let f = FormView::again(form, &errors, LABELS);
    page(&state, &signed, person, f, status, None).await
}
