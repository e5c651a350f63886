//! Your settings (`/settings`), for anyone signed in: the calendar feed address (copy it into a
//! calendar; make a new one if it leaks), which optional reminders to get, and, for the person
//! alone, their equality data with a plain statement of who sees it. They call the API's
//! `feed_of`, `set_preferences` and `update_person`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::fields::FormView;
use super::page::{date, render, see_other, Chrome};
use super::session::{Form, Posted, Signed};
use crate::app::AppState;
use crate::error::AppError;
use crate::people::model::PractitionerPatch;
use crate::people::rules::ETHNIC_CATEGORIES;
use crate::reminders::rules::Kind;
use crate::reminders::Preferences;

/// A reminder kind in words, for the preferences form.
fn kind_words(k: Kind) -> &'static str {
    match k {
        Kind::SupervisionOverdue => "Your supervision is overdue",
        Kind::SupervisionEscalated => "A supervisee's supervision has been overdue for a while",
        Kind::CredentialExpired => "A credential has expired",
        Kind::CredentialExpiring => "A credential expires soon",
        Kind::SupervisionDueSoon => "Your supervision is due soon",
        Kind::SignOffWaiting => "Sessions wait for your countersignature",
        Kind::CompetenceReview => "A competence review is due",
        Kind::CpdUnmet => "Your CPD is not met yet for the next renewal",
        Kind::CourseExpiring => "A course's accreditation ends soon",
        Kind::RequiredCourse => "A required course is not done yet",
        Kind::RequiredCourseSummary => "Who in your service still lacks a required course",
        Kind::LiveAssessmentDueSoon => "A live assessment of your practice is due soon",
        Kind::LiveAssessmentOverdue => "A live assessment of your practice is overdue",
        Kind::LiveAssessmentEscalated => {
            "A supervisee's live assessments have been overdue for a while"
        }
        Kind::BodyAuditDue => "A body's audit is due",
    }
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub on: bool,
}

#[derive(Template)]
#[template(path = "web/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    feed_url: String,
    feed_since: String,
    optional: Vec<Choice>,
    always: Vec<&'static str>,
    f: FormView,
    ethnicities: Vec<(String, String)>,
    script: &'static str,
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
}

const ABOUT_LABELS: &[(&str, &str)] = &[
    ("ethnicity", "Ethnic group"),
    ("languages", "Languages you speak"),
    ("specialist_interests", "Specialist interests"),
];

async fn page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    notice: Option<&'static str>,
    about: Option<FormView>,
) -> Result<HttpResponse, PageError> {
    let feed = crate::calendar::feed_of(state, signed.caller.id.clone(), false).await?;
    let who = signed.caller.clone();
    let (prefs, me) = state
        .db(move |conn| {
            Ok((
                crate::reminders::preferences(conn, &who)?,
                crate::people::get_person(conn, &who, &who.id)?,
            ))
        })
        .await?;
    let f = match about {
        Some(f) => f,
        None => {
            let typed = format!(
                "ethnicity={}&languages={}&specialist_interests={}",
                enc(me.ethnicity.as_deref().unwrap_or("")),
                enc(&me.languages.unwrap_or_default().join(", ")),
                enc(&me.specialist_interests.join(", ")),
            );
            FormView::again(Form::parse(typed.as_bytes())?, &[], ABOUT_LABELS)
        }
    };
    let page = SettingsPage {
        chrome: Chrome::signed_in(&signed.caller, &signed.csrf, "Your settings", "/settings"),
        notice,
        feed_url: feed.url,
        feed_since: date(feed.created_at.date()),
        optional: prefs
            .optional
            .iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: kind_words(*k),
                on: !prefs.disabled.contains(k),
            })
            .collect(),
        always: prefs.always_on.iter().map(|k| kind_words(*k)).collect(),
        f,
        ethnicities: ETHNIC_CATEGORIES
            .iter()
            .map(|(code, name, _)| (code.to_string(), name.to_string()))
            .collect(),
        script: super::assets::script_href(),
    };
    render(status, &page)
}

fn enc(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<SettingsQuery>,
) -> Result<HttpResponse, PageError> {
    let notice = match q.done.as_deref() {
        Some("rotated") => Some("You have a new calendar address. The old one no longer works: put the new one in your calendar."),
        Some("reminders") => Some("Your reminder choices are saved."),
        Some("about") => Some("Your details are saved."),
        _ => None,
    };
    page(&state, &signed, StatusCode::OK, notice, None).await
}

pub async fn rotate_feed(
    state: web::Data<AppState>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    crate::calendar::feed_of(&state, posted.signed.caller.id.clone(), true).await?;
    Ok(see_other("/settings?done=rotated"))
}

pub async fn set_reminders(
    state: web::Data<AppState>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    let on = form.all("on");
    let disabled: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| !k.urgent() && !on.iter().any(|o| o == k.as_str()))
        .collect();
    let at = state.clock.now();
    let who = signed.caller.clone();
    state
        .write(move |conn| {
            crate::reminders::set_preferences(conn, &who, Preferences { disabled }, at)
        })
        .await?;
    Ok(see_other("/settings?done=reminders"))
}

/// A comma-separated list as typed, as the API's list.
fn list(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub async fn set_about(
    state: web::Data<AppState>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    let patch = PractitionerPatch {
        ethnicity: Some(form.get("ethnicity").map(str::to_string)),
        languages: Some(list(form.get("languages"))),
        specialist_interests: Some(list(form.get("specialist_interests"))),
        ..Default::default()
    };
    let at = state.clock.now();
    let who = signed.caller.clone();
    let outcome = state
        .write(move |conn| crate::people::update_person(conn, &who, &who.id, patch, at))
        .await;
    match outcome {
        Ok(_) => Ok(see_other("/settings?done=about")),
        Err(AppError::Validation(errors)) => {
            let f = FormView::again(form, &errors, ABOUT_LABELS);
            page(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(f),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
