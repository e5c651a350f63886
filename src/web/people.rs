//! `GET /people` and `GET /people/{id}`: a training lead's people (an admin's: everyone), with
//! search, filters and paging, and one person's page with what the lead may see of them:
//! details, supervision compliance, credentials with their check, and recent sessions. Over
//! the API's use cases (`people::list_people`, `people::get_person`,
//! `supervision::person_compliance`, `credentials::list_accreditations`,
//! `supervision::list_logs`); a person the caller may not see is 404. Adding and deactivating
//! are in `person_form.rs`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::page::{date, render, Chrome};
use super::session::Signed;
use super::words::{self, Tag};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::error::AppError;
use crate::http::page::{encode_cursor, PageRequest};
use crate::people::PeopleQuery;
use crate::supervision::LogFilter;

const PAGE_ROWS: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub q: Option<String>,
    pub practitioner_role: Option<String>,
    pub modality: Option<String>,
    /// `active` (default), `left` or `all`.
    pub state: Option<String>,
    pub stage: Option<String>,
    pub compliance_status: Option<String>,
    pub credential_status: Option<String>,
    pub cursor: Option<String>,
    pub done: Option<String>,
}

pub struct Row {
    pub href: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub stage: String,
    pub wte: String,
    pub service: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "web/people.html")]
struct List {
    chrome: Chrome,
    notice: Option<&'static str>,
    q: String,
    role: String,
    modality: String,
    state: String,
    stage: String,
    compliance: String,
    credential: String,
    roles: Vec<(String, String)>,
    modalities: Vec<(String, String)>,
    rows: Vec<Row>,
    next_href: Option<String>,
}

pub struct ComplianceRow {
    pub kind: &'static str,
    pub tag: Tag,
    pub achieved: String,
    pub required: String,
    pub next_due: String,
}

pub struct CredentialRow {
    pub what: String,
    pub number: String,
    pub expires: String,
    pub tag: Tag,
    pub checked: String,
}

pub struct LogRow {
    pub held_on: String,
    pub kind: &'static str,
    pub minutes: String,
    pub supervisor: String,
    pub tag: Tag,
}

/// A line of a simple list on a person's page: what, when or how much, and its state.
pub struct Line {
    pub what: String,
    pub detail: String,
    pub tag: Tag,
}

#[derive(Template)]
#[template(path = "web/person.html")]
struct One {
    training: Vec<Line>,
    missing: Vec<String>,
    cpd: Vec<Line>,
    competences: Vec<Line>,
    chrome: Chrome,
    notice: Option<&'static str>,
    id: String,
    facts: Vec<(&'static str, String)>,
    active: bool,
    compliance: Vec<ComplianceRow>,
    credentials: Vec<CredentialRow>,
    logs: Vec<LogRow>,
    live: Option<(Tag, String)>,
}

fn leader(signed: &Signed) -> Result<(), PageError> {
    if may_open(&signed.caller, Area::Leading) {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub async fn list(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    leader(&signed)?;
    let q = q.into_inner();
    let which = clean(&q.state).unwrap_or_else(|| "active".into());
    let query = PeopleQuery {
        service_id: None,
        practitioner_role: clean(&q.practitioner_role),
        q: clean(&q.q),
        active: match which.as_str() {
            "left" => Some(false),
            "all" => None,
            _ => Some(true),
        },
        modality: clean(&q.modality),
        specialist_interest: None,
        stage: clean(&q.stage),
        credential_status: clean(&q.credential_status),
        limit: None,
        cursor: None,
    };
    let kept = serde_urlencoded::to_string(
        [
            ("q", &query.q),
            ("practitioner_role", &query.practitioner_role),
            ("modality", &query.modality),
            ("stage", &query.stage),
            ("compliance_status", &clean(&q.compliance_status)),
            ("credential_status", &query.credential_status),
            ("state", &Some(which.clone())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let page = PageRequest::parse(Some(PAGE_ROWS), clean(&q.cursor).as_deref())?;
    let p = page.clone();
    let caller = signed.caller.clone();
    let shown = (
        query.q.clone().unwrap_or_default(),
        query.practitioner_role.clone().unwrap_or_default(),
        query.modality.clone().unwrap_or_default(),
    );
    let chosen = (
        query.stage.clone().unwrap_or_default(),
        clean(&q.compliance_status).unwrap_or_default(),
        query.credential_status.clone().unwrap_or_default(),
    );
    let today = state.clock.today();
    let compliance = clean(&q.compliance_status);
    let (people, roles, modalities) = state
        .db(move |conn| {
            let people = crate::reports::roster::people_by_compliance(
                conn,
                &caller,
                query,
                compliance.as_deref(),
                &p,
                today,
            )?;
            let roles = crate::supervision::queries::practitioner_roles(conn)?
                .into_iter()
                .map(|r| (r.clone(), r.replace('_', " ")))
                .collect();
            let modalities = crate::reference::queries::modalities(conn)?
                .into_iter()
                .map(|m| (m.code, m.name))
                .collect();
            Ok((people, roles, modalities))
        })
        .await?;
    let more = people.len() as i64 > page.limit;
    let rows: Vec<Row> = people
        .iter()
        .take(page.limit as usize)
        .map(|p| Row {
            href: format!("/people/{}", p.id),
            name: p.full_name.clone(),
            email: p.email.clone(),
            role: p
                .practitioner_role
                .as_deref()
                .map(|r| r.replace('_', " "))
                .unwrap_or_else(|| "staff".into()),
            stage: p.stage.map(|s| s.as_str().to_string()).unwrap_or_default(),
            wte: p.wte.map(|w| format!("{w:.1}")).unwrap_or_default(),
            service: p.service_name.clone().unwrap_or_default(),
            active: p.active,
        })
        .collect();
    let next_href = if more {
        people
            .get(page.limit as usize - 1)
            .map(|p| format!("/people?{kept}&cursor={}", encode_cursor(&p.id)))
    } else {
        None
    };
    render(
        StatusCode::OK,
        &List {
            chrome: Chrome::signed_in(&signed.caller, &signed.csrf, "People", "/people"),
            notice: q
                .done
                .is_some()
                .then_some("The person is added, and their invitation is on its way by email."),
            q: shown.0,
            role: shown.1,
            modality: shown.2,
            state: which,
            stage: chosen.0,
            compliance: chosen.1,
            credential: chosen.2,
            roles,
            modalities,
            rows,
            next_href,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<String>,
    q: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    leader(&signed)?;
    let id = crate::http::parse_id(&id).map_err(|_| AppError::NotFound)?;
    let caller = signed.caller.clone();
    let at = state.clock.now();
    let pid = id.clone();
    let (person, report, credentials, logs, more) = state
        .db(move |conn| {
            let person = crate::people::get_person(conn, &caller, &pid)?;
            let report = match person.practitioner_role {
                Some(_) => Some(crate::supervision::person_compliance(
                    conn, &caller, &pid, at,
                )?),
                None => None,
            };
            let credentials = crate::accreditation::credentials::list_accreditations(
                conn,
                &caller,
                &pid,
                &PageRequest::parse(Some(100), None)?,
                at,
            )?
            .items;
            let logs = crate::supervision::list_logs(
                conn,
                &caller,
                &LogFilter {
                    supervisee_id: Some(pid.clone()),
                    supervisor_id: None,
                    status: None,
                    from: None,
                    to: None,
                },
                &PageRequest::parse(Some(20), None)?,
            )?;
            let page = PageRequest::parse(Some(100), None)?;
            let trained =
                crate::accreditation::training::list_training(conn, &caller, &pid, None, &page)?;
            let cpd = crate::accreditation::cpd::list_cpd(
                conn,
                &caller,
                &pid,
                &crate::accreditation::cpd::CpdQuery {
                    from: None,
                    to: None,
                    limit: None,
                    cursor: None,
                },
                &page,
            )?;
            let competences =
                crate::competences::person_competences(conn, &caller, &pid, at)?.items;
            let courses = super::records::all_courses(conn, at)?;
            Ok((
                person,
                report,
                credentials,
                logs,
                (trained, cpd, competences, courses),
            ))
        })
        .await?;
    let (trained, cpd, competences, courses) = more;
    let live = report.as_ref().and_then(|r| r.live_assessment.as_ref()).map(|l| {
        (
            words::compliance(l.status),
            format!(
                "{} of {} meeting the standard, on {} of {} different interventions, in the last {} days; next due {}",
                l.achieved, l.required, l.distinct_interventions, l.required_interventions,
                l.window_days, date(l.next_due_on)
            ),
        )
    });
    let compliance = report.map(|r| r.items).unwrap_or_default();
    let facts = vec![
        ("Email", person.email.clone()),
        ("Service", person.service_name.clone().unwrap_or_default()),
        (
            "Role",
            person
                .practitioner_role
                .as_deref()
                .map(|r| r.replace('_', " "))
                .unwrap_or_else(|| "staff (sees no patients)".into()),
        ),
        (
            "Stage",
            person
                .stage
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        ),
        (
            "Whole-time equivalent",
            person.wte.map(|w| format!("{w:.1}")).unwrap_or_default(),
        ),
        (
            "In post",
            match (person.started_on, person.left_on) {
                (Some(s), Some(l)) => format!("{} to {}", date(s), date(l)),
                (Some(s), None) => format!("since {}", date(s)),
                _ => String::new(),
            },
        ),
        (
            "Access",
            person
                .roles
                .iter()
                .map(|r| r.as_str().replace('_', " "))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    let course_name = |id: &str| {
        courses
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.title.clone())
            .unwrap_or_else(|| "A course".into())
    };
    let neutral = |words: &'static str| Tag {
        words,
        class: "tag-neutral",
    };
    let page = One {
        training: trained
            .items
            .iter()
            .map(|t| Line {
                what: course_name(&t.course_id),
                detail: match (t.started_on, t.completed_on) {
                    (_, Some(done)) => format!("Completed {}", date(done)),
                    (Some(s), None) => format!("Started {}", date(s)),
                    (None, None) => String::new(),
                },
                tag: neutral(super::records::training_words(t.status)),
            })
            .collect(),
        missing: trained
            .required_missing
            .iter()
            .map(|m| m.title.clone())
            .collect(),
        cpd: cpd
            .iter()
            .take(100)
            .map(|a| Line {
                what: a.title.clone(),
                detail: format!("{}, {} hours", date(a.held_on), a.hours),
                tag: if a
                    .reflective_statement
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty())
                {
                    neutral("Reflection written")
                } else {
                    neutral("No reflection yet")
                },
            })
            .collect(),
        competences: competences
            .iter()
            .filter(|c| c.assessed_on.is_some())
            .map(|c| Line {
                what: format!("{} {}", c.code, c.title),
                detail: c
                    .assessed_on
                    .map(|d| format!("Assessed {}", date(d)))
                    .unwrap_or_default(),
                tag: super::competences::state_tag(c.state),
            })
            .collect(),
        chrome: Chrome::signed_in(&signed.caller, &signed.csrf, &person.full_name, "/people"),
        notice: match q.done.as_deref() {
            Some("changed") => Some("The changes are saved."),
            Some(_) => {
                Some("They are deactivated: their sessions have ended and they are out of post.")
            }
            None => None,
        },
        id,
        facts,
        active: person.active,
        compliance: compliance
            .iter()
            .map(|c| ComplianceRow {
                kind: c.supervision_type.words(),
                tag: words::compliance(c.status),
                achieved: words::minutes(c.achieved_minutes),
                required: words::minutes(c.required_minutes),
                next_due: date(c.next_due_on),
            })
            .collect(),
        credentials: credentials
            .iter()
            .map(|c| CredentialRow {
                what: format!("{} {}", c.body, c.kind.replace('_', " ")),
                number: c.membership_number.clone(),
                expires: match &c.renewal {
                    Some(r) => format!("Declare by {}", date(r.next_declaration_on)),
                    None => date(c.expires_on),
                },
                tag: words::credential(c.status),
                checked: match (c.verified_at, c.verification_method) {
                    (Some(at), Some(m)) => {
                        format!("{}, {}", date(at.date()), m.as_str().replace('_', " "))
                    }
                    _ => "Not yet".into(),
                },
            })
            .collect(),
        live,
        logs: logs
            .iter()
            .map(|l| LogRow {
                held_on: date(l.log.held_on),
                kind: l.log.supervision_type.words(),
                minutes: words::minutes(l.log.duration_minutes),
                supervisor: l.supervisor_name.clone().unwrap_or_default(),
                tag: words::log(l.log.status),
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}
