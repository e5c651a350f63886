//! `GET /`: the caller's home. A practitioner sees their compliance per required type, their
//! credentials with CPD, and what needs doing; a supervisor how many sessions wait for them.
//! Every figure comes from the use cases the API answers with.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;

use super::error::PageError;
use super::page::{count, date, render, Chrome};
use super::session::Signed;
use super::words::{self, Tag};
use crate::accreditation::rules::CredentialStatus;
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::http::page::PageRequest;
use crate::supervision::rules::{ComplianceStatus, LogStatus};
use crate::supervision::{self, LogFilter};

pub struct ComplianceRow {
    pub kind: &'static str,
    pub tag: Tag,
    pub achieved: String,
    pub required: String,
    pub unsigned: String,
    pub window: String,
    pub last: String,
    pub next_due: String,
}

pub struct CredentialRow {
    pub what: String,
    pub number: String,
    pub expires: String,
    pub tag: Tag,
    pub cpd: String,
}

pub struct Todo {
    pub text: String,
    pub href: &'static str,
    pub link: &'static str,
}

#[derive(Template)]
#[template(path = "web/home.html")]
struct Home {
    chrome: Chrome,
    practice: bool,
    supervising: bool,
    leading: bool,
    todo: Vec<Todo>,
    compliance: Vec<ComplianceRow>,
    credentials: Vec<CredentialRow>,
    waiting: String,
    waiting_any: bool,
    live: Option<LiveRow>,
    on_leave: bool,
    duties: Vec<String>,
}

/// A PWP's live assessments of practice, in words.
pub struct LiveRow {
    pub tag: Tag,
    pub text: String,
    pub next_due: String,
}

pub async fn show(state: web::Data<AppState>, signed: Signed) -> Result<HttpResponse, PageError> {
    let caller = signed.caller.clone();
    let at = state.clock.now();
    let practice = may_open(&caller, Area::Practice);
    let supervising = may_open(&caller, Area::Supervising);
    let who = caller.clone();
    let (report, credentials, rejected, waiting) = state
        .db(move |conn| {
            let (mut report, mut credentials, mut rejected) = (None, None, Vec::new());
            if practice {
                report = Some(supervision::person_compliance(conn, &who, &who.id, at)?);
                let page = PageRequest::parse(Some(50), None)?;
                credentials = Some(
                    crate::accreditation::credentials::list_accreditations(
                        conn, &who, &who.id, &page, at,
                    )?
                    .items,
                );
                let filter = LogFilter {
                    supervisee_id: Some(who.id.clone()),
                    status: Some(LogStatus::Rejected),
                    from: Some(at.date() - Duration::days(90)),
                    ..Default::default()
                };
                rejected = supervision::list_logs(
                    conn,
                    &who,
                    &filter,
                    &PageRequest::parse(Some(5), None)?,
                )?;
            }
            let waiting = match supervising {
                true => supervision::desk::sign_off_queue(conn, &who)?.len(),
                false => 0,
            };
            Ok((report, credentials, rejected, waiting))
        })
        .await?;

    let mut todo = Vec::new();
    let (live, on_leave, duties) = match &report {
        Some(r) => (
            r.live_assessment.clone(),
            r.on_leave,
            r.supervisor_requirements.clone(),
        ),
        None => (None, false, Vec::new()),
    };
    let items = report.map(|r| r.items).unwrap_or_default();
    if let Some(l) = &live {
        let text = format!(
            "Your live assessments of practice: {} of {} meeting the standard, on {} of {} different interventions, in the last {} days.",
            l.achieved, l.required, l.distinct_interventions, l.required_interventions, l.window_days
        );
        match l.status {
            ComplianceStatus::Overdue => todo.push(Todo {
                text: format!("{text} They are overdue: ask your supervisor to assess a session."),
                href: "#live",
                link: "See your live assessments",
            }),
            ComplianceStatus::DueSoon => todo.push(Todo {
                text: format!("{text} They are due by {}.", date(l.next_due_on)),
                href: "#live",
                link: "See your live assessments",
            }),
            _ => {}
        }
    }
    for i in &items {
        match i.status {
            ComplianceStatus::Overdue => todo.push(Todo {
                text: format!(
                    "{} supervision is overdue: {} of {} in the last {} days.",
                    i.supervision_type.words(),
                    words::minutes(i.achieved_minutes),
                    words::minutes(i.required_minutes),
                    i.window_days
                ),
                href: "/supervision/new",
                link: "Record a session",
            }),
            ComplianceStatus::DueSoon => todo.push(Todo {
                text: format!(
                    "{} supervision is due by {}.",
                    i.supervision_type.words(),
                    date(i.next_due_on)
                ),
                href: "/supervision/new",
                link: "Record a session",
            }),
            ComplianceStatus::Compliant | ComplianceStatus::OnLeave => {}
        }
    }
    let credentials = credentials.unwrap_or_default();
    for c in &credentials {
        let what = format!("Your {} {}", c.body, c.kind.replace('_', " "));
        if let Some(r) = &c.renewal {
            match c.status {
                CredentialStatus::Lapsed => todo.push(Todo {
                    text: format!(
                        "{what} lapsed: no annual declaration by {}. Declare to your body, then tell your training lead.",
                        date(r.grace_ends_on)
                    ),
                    href: "#credentials",
                    link: "See your credentials",
                }),
                CredentialStatus::Expiring => todo.push(Todo {
                    text: format!(
                        "{what}: your annual declaration is due by {} (it lapses after {}).",
                        date(r.next_declaration_on),
                        date(r.grace_ends_on)
                    ),
                    href: "#credentials",
                    link: "See your credentials",
                }),
                _ => {}
            }
            continue;
        }
        match c.status {
            CredentialStatus::Expired => todo.push(Todo {
                text: format!("{what} expired on {}.", date(c.expires_on)),
                href: "#credentials",
                link: "See your credentials",
            }),
            CredentialStatus::Expiring => todo.push(Todo {
                text: format!("{what} expires on {}.", date(c.expires_on)),
                href: "#credentials",
                link: "See your credentials",
            }),
            _ => {}
        }
    }
    for r in &rejected {
        todo.push(Todo {
            text: format!(
                "{} sent back your session of {}: \u{201c}{}\u{201d}",
                r.supervisor_name.as_deref().unwrap_or("Your supervisor"),
                date(r.log.held_on),
                r.log
                    .rejection_reason
                    .as_deref()
                    .unwrap_or("no reason given")
            ),
            href: "/supervision?status=rejected",
            link: "See sessions sent back",
        });
    }
    if waiting > 0 {
        todo.push(Todo {
            text: format!(
                "{} waiting for you to countersign.",
                count(waiting, "session is", "sessions are")
            ),
            href: "/sign-off",
            link: "Countersign sessions",
        });
    }

    let page = Home {
        chrome: Chrome::signed_in(&signed.caller, &signed.csrf, "Your home", "/"),
        practice,
        supervising,
        leading: may_open(&caller, Area::Leading),
        todo,
        compliance: items
            .iter()
            .map(|i| ComplianceRow {
                kind: i.supervision_type.words(),
                tag: words::compliance(i.status),
                achieved: words::minutes(i.achieved_minutes),
                required: words::minutes(i.required_minutes),
                unsigned: words::minutes(i.unsigned_minutes),
                window: format!("{} days", i.window_days),
                last: i
                    .last_held_on
                    .map(date)
                    .unwrap_or_else(|| "None yet".into()),
                next_due: date(i.next_due_on),
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
                cpd: match &c.cpd {
                    None => "No CPD rule for this credential".into(),
                    Some(k) if k.met => format!("Met for the renewal on {}", date(k.until)),
                    Some(k) => format!(
                        "For the renewal on {}: {}",
                        date(k.until),
                        k.missing.join("; ")
                    ),
                },
            })
            .collect(),
        waiting: count(waiting, "session is", "sessions are"),
        waiting_any: waiting > 0,
        live: live.map(|l| LiveRow {
            tag: words::compliance(l.status),
            text: format!(
                "{} of {} meeting the standard, on {} of {} different interventions, in the last {} days",
                l.achieved, l.required, l.distinct_interventions, l.required_interventions, l.window_days
            ),
            next_due: date(l.next_due_on),
        }),
        on_leave,
        duties: duties
            .iter()
            .map(|d| {
                format!(
                    "As a {} {}: {} of supervision given of {} ({}); {} of supervision of your supervision of {} ({}), in the last {} days.",
                    d.body,
                    d.credential_kind.replace('_', " "),
                    words::minutes(d.given_minutes),
                    words::minutes(d.required_given_minutes),
                    if d.given_met { "met" } else { "not met yet" },
                    words::minutes(d.sos_minutes),
                    words::minutes(d.sos_required_minutes),
                    if d.sos_met { "met" } else { "not met yet" },
                    d.window_days
                )
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}
