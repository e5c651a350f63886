//! Finds every lapse on a day: supervision overdue or due soon (escalated after a week),
//! credentials at a reminder stage or expired, logs waiting for sign-off, competence reviews
//! past due, courses whose accreditation ends soon, CPD unmet before renewal, and required
//! courses not completed. A fixed number of queries per batch of people.

mod supervision;
use supervision::supervision;

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::rules::{
    credential_stage, overdue_since, Kind, Lapse, COURSE_NOTICE_DAYS, CPD_NOTICE_DAYS,
    ESCALATE_AFTER_DAYS, SIGN_OFF_WAIT_DAYS,
};
use crate::accreditation::cpd::{facts, load_rules, rule_for};
use crate::accreditation::rules::cpd_check;
use crate::auth::policy::{roles_from_text, Role};
use crate::db::schema::{
    accreditations, competencies, competency_assessments, courses, credential_kinds,
    notification_preferences, required_courses, supervision_logs, users,
};
use crate::db::DbConn;
use crate::error::AppError;
use crate::supervision::queries::load_policy;
use crate::supervision::rules::{ComplianceStatus, Format, LogFact, LogStatus, SupervisionType};
use crate::supervision::{compliance_with as compliance, Subject, SUBJECT_COLUMNS};

const BATCH: i64 = 500;

fn kind_label(t: SupervisionType) -> &'static str {
    match t {
        SupervisionType::CaseManagement => "case management supervision",
        SupervisionType::ClinicalSkills => "clinical skills supervision",
        SupervisionType::Clinical => "clinical supervision",
        SupervisionType::SupervisionOfSupervision => "supervision of your supervision",
    }
}

/// Training leads by service.
fn leads(conn: &mut DbConn) -> Result<HashMap<String, Vec<String>>, AppError> {
    let rows: Vec<(String, String)> = users::table
        .filter(users::active.eq(true))
        .filter(users::id.eq_any(crate::auth::roles::holders_of(Role::TrainingLead)))
        .filter(users::service_id.is_not_null())
        .select((users::id, users::service_id.assume_not_null()))
        .load(conn)?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (id, service) in rows {
        out.entry(service).or_default().push(id);
    }
    Ok(out)
}

type CredentialRow = (
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    Option<String>,
    String,
);

fn credentials(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    // The latest period of each person's credential of each kind.
    let rows: Vec<CredentialRow> = accreditations::table
        .inner_join(users::table.on(accreditations::practitioner_id.eq(users::id)))
        .filter(users::active.eq(true))
        .select((
            accreditations::id,
            accreditations::practitioner_id,
            accreditations::body_code,
            accreditations::kind,
            accreditations::membership_number,
            accreditations::expires_on,
            users::service_id,
            users::full_name,
        ))
        .order(accreditations::expires_on.asc())
        .load(conn)?;
    let mut latest: HashMap<(String, String, String), CredentialRow> = HashMap::new();
    for r in rows {
        latest.insert((r.1.clone(), r.2.clone(), r.3.clone()), r);
    }
    let offsets: HashMap<(String, String), Vec<i64>> = credential_kinds::table
        .select((
            credential_kinds::body_code,
            credential_kinds::code,
            credential_kinds::reminder_offsets,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(b, k, o)| {
            (
                (b, k),
                o.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
            )
        })
        .collect();
    let cpd_rules = load_rules(conn)?;
    let mut people: Vec<&str> = latest.values().map(|r| r.1.as_str()).collect();
    people.sort_unstable();
    people.dedup();
    let mut cpd: HashMap<String, Vec<crate::accreditation::rules::CpdFact>> = HashMap::new();
    // In chunks: SQLite allows at most 32,766 bound values in one statement.
    for chunk in people.chunks(BATCH as usize) {
        for (who, f) in facts(conn, chunk, today - Duration::days(800))? {
            cpd.entry(who).or_default().push(f);
        }
    }
    for (id, person, body, kind, number, expires, service, name) in latest.into_values() {
        let stages = offsets
            .get(&(body.clone(), kind.clone()))
            .cloned()
            .unwrap_or_else(|| vec![60, 30, 7]);
        match credential_stage(expires, &stages, today) {
            Some(None) => {
                out.push(Lapse {
                    recipient_id: person.clone(),
                    key: format!("credential:{id}:expired"),
                    kind: Kind::CredentialExpired,
                    subject_id: Some(person.clone()),
                    summary: format!("Your {body} {kind} ({number}) expired on {expires}"),
                    due_on: Some(expires),
                });
                for lead in service
                    .as_ref()
                    .and_then(|s| leads.get(s))
                    .into_iter()
                    .flatten()
                {
                    if *lead != person {
                        out.push(Lapse {
                            recipient_id: lead.clone(),
                            key: format!("credential:{id}:expired"),
                            kind: Kind::CredentialExpired,
                            subject_id: Some(person.clone()),
                            summary: format!("{name}'s {body} {kind} expired on {expires}"),
                            due_on: Some(expires),
                        });
                    }
                }
            }
            Some(Some(stage)) => out.push(Lapse {
                recipient_id: person.clone(),
                key: format!("credential:{id}:{stage}"),
                kind: Kind::CredentialExpiring,
                subject_id: Some(person.clone()),
                summary: format!("Your {body} {kind} ({number}) expires on {expires}"),
                due_on: Some(expires),
            }),
            None => {}
        }
        let days_left = (expires - today).num_days();
        if (0..=CPD_NOTICE_DAYS).contains(&days_left) {
            if let Some(rule) = rule_for(&cpd_rules, &body, &kind) {
                let check = cpd_check(
                    rule,
                    cpd.get(&person).map(Vec::as_slice).unwrap_or(&[]),
                    expires,
                );
                if !check.met {
                    out.push(Lapse {
                        recipient_id: person.clone(),
                        key: format!("cpd_unmet:{id}:{expires}"),
                        kind: Kind::CpdUnmet,
                        subject_id: Some(person.clone()),
                        summary: format!(
                            "CPD for your {body} renewal on {expires} is not met yet: {}",
                            check.missing.join("; ")
                        ),
                        due_on: Some(expires),
                    });
                }
            }
        }
    }
    Ok(())
}

fn sign_offs(conn: &mut DbConn, now: NaiveDateTime, out: &mut Vec<Lapse>) -> Result<(), AppError> {
    let rows: Vec<(String, String, String, NaiveDate)> = supervision_logs::table
        .inner_join(users::table.on(supervision_logs::supervisee_id.eq(users::id)))
        .filter(supervision_logs::status.eq(LogStatus::Submitted.as_str()))
        .filter(supervision_logs::created_at.lt(now - Duration::days(SIGN_OFF_WAIT_DAYS)))
        .select((
            supervision_logs::id,
            supervision_logs::supervisor_id,
            users::full_name,
            supervision_logs::held_on,
        ))
        .load(conn)?;
    for (id, supervisor, name, held_on) in rows {
        out.push(Lapse {
            recipient_id: supervisor,
            key: format!("sign_off:{id}"),
            kind: Kind::SignOffWaiting,
            subject_id: None,
            summary: format!("{name}'s supervision log of {held_on} waits for your sign-off"),
            due_on: Some(held_on),
        });
    }
    Ok(())
}

/// assessment id, person, competence, assessor, review due, competence title.
type ReviewRow = (String, String, String, String, Option<NaiveDate>, String);
/// The latest assessment of one competence: id, assessor, review due, title.
type LatestReview = (String, String, Option<NaiveDate>, String);

fn reviews(conn: &mut DbConn, today: NaiveDate, out: &mut Vec<Lapse>) -> Result<(), AppError> {
    let rows: Vec<ReviewRow> = competency_assessments::table
        .inner_join(competencies::table)
        .select((
            competency_assessments::id,
            competency_assessments::practitioner_id,
            competency_assessments::competency_id,
            competency_assessments::assessed_by,
            competency_assessments::review_due_on,
            competencies::title,
        ))
        .order((
            competency_assessments::assessed_on.asc(),
            competency_assessments::id.asc(),
        ))
        .load(conn)?;
    let mut latest: HashMap<(String, String), LatestReview> = HashMap::new();
    for (id, person, competence, assessor, review, title) in rows {
        latest.insert((person, competence), (id, assessor, review, title));
    }
    for ((person, _), (id, assessor, review, title)) in latest {
        let Some(review) = review.filter(|r| *r < today) else {
            continue;
        };
        for to in [person.clone(), assessor.clone()] {
            out.push(Lapse {
                recipient_id: to,
                key: format!("competence_review:{id}"),
                kind: Kind::CompetenceReview,
                subject_id: Some(person.clone()),
                summary: format!("The review of \"{title}\" was due on {review}"),
                due_on: Some(review),
            });
        }
    }
    Ok(())
}

fn courses_ending(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    let rows: Vec<(String, String, NaiveDate)> = courses::table
        .filter(courses::accredited_until.ge(today))
        .filter(courses::accredited_until.le(today + Duration::days(COURSE_NOTICE_DAYS)))
        .select((courses::id, courses::title, courses::accredited_until))
        .load(conn)?;
    let everyone: HashSet<&String> = leads.values().flatten().collect();
    for (id, title, until) in rows {
        for lead in &everyone {
            out.push(Lapse {
                recipient_id: (*lead).clone(),
                key: format!("course_expiring:{id}:{until}"),
                kind: Kind::CourseExpiring,
                subject_id: None,
                summary: format!("The accreditation of \"{title}\" ends on {until}"),
                due_on: Some(until),
            });
        }
    }
    Ok(())
}

fn required(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    let reqs: Vec<(String, String, Option<String>, String)> = required_courses::table
        .inner_join(courses::table)
        .select((
            required_courses::id,
            required_courses::service_id,
            required_courses::practitioner_role,
            courses::title,
        ))
        .load(conn)?;
    if reqs.is_empty() {
        return Ok(());
    }
    let plain: Vec<crate::accreditation::required::RequiredCourse> = required_courses::table
        .select(crate::accreditation::required::RequiredCourse::as_select())
        .load(conn)?;
    let lacking = crate::accreditation::required::lacking_by_requirement(conn, &plain)?;
    let month = today.format("%Y-%m").to_string();
    let mut per_service: HashMap<String, usize> = HashMap::new();
    for (id, service, _, title) in &reqs {
        for l in lacking.get(id).into_iter().flatten() {
            out.push(Lapse {
                recipient_id: l.practitioner_id.clone(),
                key: format!("required_course:{id}"),
                kind: Kind::RequiredCourse,
                subject_id: Some(l.practitioner_id.clone()),
                summary: format!("Your service requires the course \"{title}\""),
                due_on: None,
            });
            *per_service.entry(service.clone()).or_default() += 1;
        }
    }
    for (service, n) in per_service {
        for lead in leads.get(&service).into_iter().flatten() {
            out.push(Lapse {
                recipient_id: lead.clone(),
                key: format!("required_course_summary:{service}:{month}"),
                kind: Kind::RequiredCourseSummary,
                subject_id: None,
                summary: format!("{n} required course completions are outstanding in your service"),
                due_on: None,
            });
        }
    }
    Ok(())
}

/// Every lapse on `today`, less the kinds each recipient turned off.
pub fn detect(
    conn: &mut DbConn,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<Lapse>, AppError> {
    let leads = leads(conn)?;
    let mut out = Vec::new();
    supervision(conn, today, &leads, &mut out)?;
    credentials(conn, today, &leads, &mut out)?;
    sign_offs(conn, now, &mut out)?;
    reviews(conn, today, &mut out)?;
    courses_ending(conn, today, &leads, &mut out)?;
    required(conn, today, &leads, &mut out)?;
    let off: HashMap<String, Vec<Kind>> = notification_preferences::table
        .select((
            notification_preferences::user_id,
            notification_preferences::disabled_kinds,
        ))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(u, k)| Ok((u, super::parse_kinds(&k)?)))
        .collect::<Result<_, AppError>>()?;
    out.retain(|l| {
        l.kind.urgent()
            || !off
                .get(&l.recipient_id)
                .is_some_and(|k| k.contains(&l.kind))
    });
    Ok(out)
}
