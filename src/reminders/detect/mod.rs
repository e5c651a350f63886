//! Finds every lapse on a day: supervision overdue or due soon (escalated after a week),
//! credentials at a reminder stage or expired, logs waiting for sign-off, competence reviews
//! past due, courses whose accreditation ends soon, CPD unmet before renewal, and required
//! courses not completed. A fixed number of queries per batch of people.

mod credentials;
mod obligations;
mod supervision;
use credentials::credentials;
use supervision::supervision;

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::links;
use super::rules::{credential_stage, overdue_since, Kind, Lapse};
use crate::accreditation::cpd::{facts, load_rules, rule_for};
use crate::accreditation::rules::cpd_check;
use crate::auth::policy::{roles_from_text, Role};
use crate::dates::uk_date;
use crate::db::schema::{
    accreditations, competencies, competency_assessments, courses, credential_kinds,
    notification_preferences, required_courses, supervision_logs, users,
};
use crate::db::DbConn;
use crate::error::AppError;
use crate::supervision::queries::load_policy;
use crate::supervision::rules::{ComplianceStatus, LogFact, LogStatus, SupervisionType};
use crate::supervision::{Subject, SUBJECT_COLUMNS};
use crate::thresholds::{Threshold, Thresholds};

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

fn sign_offs(
    conn: &mut DbConn,
    now: NaiveDateTime,
    wait_days: i64,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    // The waiting logs first (by their status index), then their supervisees' names: joined in
    // one query, SQLite would walk every person's logs instead.
    let waiting: Vec<(String, String, String, NaiveDate)> = supervision_logs::table
        .filter(supervision_logs::status.eq(LogStatus::Submitted))
        .filter(supervision_logs::created_at.lt(now - Duration::days(wait_days)))
        .select((
            supervision_logs::id,
            supervision_logs::supervisor_id,
            supervision_logs::supervisee_id,
            supervision_logs::held_on,
        ))
        .load(conn)?;
    let mut people: Vec<&str> = waiting.iter().map(|w| w.2.as_str()).collect();
    people.sort_unstable();
    people.dedup();
    let mut names: HashMap<String, String> = HashMap::new();
    for chunk in people.chunks(BATCH as usize) {
        names.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::full_name))
                .load::<(String, String)>(conn)?,
        );
    }
    let rows = waiting.iter().filter_map(|(id, supervisor, who, held_on)| {
        names
            .get(who)
            .map(|name| (id.clone(), supervisor.clone(), name.clone(), *held_on))
    });
    for (id, supervisor, name, held_on) in rows {
        out.push(Lapse {
            recipient_id: supervisor,
            key: super::rules::sign_off_key(&id),
            kind: Kind::SignOffWaiting,
            subject_id: None,
            summary: format!(
                "{name}'s supervision log of {} waits for your sign-off",
                uk_date(held_on)
            ),
            due_on: Some(held_on),
            link: links::sign_off_queue(),
        });
    }
    Ok(())
}

/// assessment id, person, competence, assessor, review due, competence title, person's name.
type ReviewRow = (
    String,
    String,
    String,
    String,
    Option<NaiveDate>,
    String,
    String,
);
/// The latest assessment of one competence: id, assessor, review due, title, person's name.
type LatestReview = (String, String, Option<NaiveDate>, String, String);

fn reviews(conn: &mut DbConn, today: NaiveDate, out: &mut Vec<Lapse>) -> Result<(), AppError> {
    let rows: Vec<ReviewRow> = competency_assessments::table
        .inner_join(competencies::table)
        .inner_join(users::table.on(competency_assessments::practitioner_id.eq(users::id)))
        .select((
            competency_assessments::id,
            competency_assessments::practitioner_id,
            competency_assessments::competency_id,
            competency_assessments::assessed_by,
            competency_assessments::review_due_on,
            competencies::title,
            users::full_name,
        ))
        .order((
            competency_assessments::assessed_on.asc(),
            competency_assessments::id.asc(),
        ))
        .load(conn)?;
    let mut latest: HashMap<(String, String), LatestReview> = HashMap::new();
    for (id, person, competence, assessor, review, title, name) in rows {
        latest.insert((person, competence), (id, assessor, review, title, name));
    }
    for ((person, _), (id, assessor, review, title, name)) in latest {
        let Some(review) = review.filter(|r| *r < today) else {
            continue;
        };
        let due = uk_date(review);
        let mut told = vec![(
            person.clone(),
            format!("The review of your competence \"{title}\" was due on {due}"),
        )];
        if assessor != person {
            told.push((
                assessor.clone(),
                format!("The review of {name}'s competence \"{title}\" was due on {due}"),
            ));
        }
        for (to, summary) in told {
            out.push(Lapse {
                recipient_id: to,
                key: format!("competence_review:{id}"),
                kind: Kind::CompetenceReview,
                subject_id: Some(person.clone()),
                summary,
                due_on: Some(review),
                link: links::competences(&person),
            });
        }
    }
    Ok(())
}

fn courses_ending(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    notice_days: i64,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    let rows: Vec<(String, String, NaiveDate)> = courses::table
        .filter(courses::accredited_until.ge(today))
        .filter(courses::accredited_until.le(today + Duration::days(notice_days)))
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
                summary: format!(
                    "The accreditation of the course \"{title}\" ends on {}",
                    uk_date(until)
                ),
                due_on: Some(until),
                link: links::course(&id),
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
    let reqs: Vec<(String, String, String, String)> = required_courses::table
        .inner_join(courses::table)
        .select((
            required_courses::id,
            required_courses::service_id,
            courses::id,
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
    // Who lacks what, by service, for the leads' monthly summary.
    let mut per_service: HashMap<String, Vec<String>> = HashMap::new();
    for (id, service, course, title) in &reqs {
        for l in lacking.get(id).into_iter().flatten() {
            out.push(Lapse {
                recipient_id: l.practitioner_id.clone(),
                key: format!("required_course:{id}"),
                kind: Kind::RequiredCourse,
                subject_id: Some(l.practitioner_id.clone()),
                summary: format!(
                    "Your service requires the course \"{title}\", which you have not completed"
                ),
                due_on: None,
                link: links::course(course),
            });
            per_service
                .entry(service.clone())
                .or_default()
                .push(format!("{} (\"{title}\")", l.full_name));
        }
    }
    for (service, mut whose) in per_service {
        whose.sort();
        let summary = required_summary(&whose);
        for lead in leads.get(&service).into_iter().flatten() {
            out.push(Lapse {
                recipient_id: lead.clone(),
                key: format!("required_course_summary:{service}:{month}"),
                kind: Kind::RequiredCourseSummary,
                subject_id: None,
                summary: summary.clone(),
                due_on: None,
                link: links::course_report(),
            });
        }
    }
    Ok(())
}

/// Most names a summary lists before "and N more".
const NAMES_LISTED: usize = 10;

/// "Required courses not completed in your service (2): A ("X") and B ("Y")".
fn required_summary(whose: &[String]) -> String {
    let n = whose.len();
    let shown = &whose[..n.min(NAMES_LISTED)];
    let mut list = match shown {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] if n <= NAMES_LISTED => format!("{} and {last}", init.join(", ")),
        all => all.join(", "),
    };
    if n > NAMES_LISTED {
        list.push_str(&format!(" and {} more", n - NAMES_LISTED));
    }
    format!("Required courses not completed in your service ({n}): {list}")
}

/// Every lapse on `today`, less the kinds each recipient turned off.
pub fn detect(
    conn: &mut DbConn,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<Lapse>, AppError> {
    let leads = leads(conn)?;
    let limits: Thresholds = crate::thresholds::all(conn)?;
    let mut out = Vec::new();
    let t = std::time::Instant::now();
    supervision(
        conn,
        today,
        &leads,
        limits.days(Threshold::EscalateAfterDays)?,
        &mut out,
    )?;
    let supervision_ms = t.elapsed().as_millis() as u64;
    credentials(
        conn,
        today,
        &leads,
        limits.days(Threshold::CpdNoticeDays)?,
        &mut out,
    )?;
    let credentials_ms = t.elapsed().as_millis() as u64 - supervision_ms;
    sign_offs(
        conn,
        now,
        limits.days(Threshold::SignOffWaitDays)?,
        &mut out,
    )?;
    reviews(conn, today, &mut out)?;
    courses_ending(
        conn,
        today,
        &leads,
        limits.days(Threshold::CourseNoticeDays)?,
        &mut out,
    )?;
    required(conn, today, &leads, &mut out)?;
    obligations::live_assessments(conn, today, &leads, &limits, &mut out)?;
    obligations::body_audits(conn, today, &leads, &mut out)?;
    tracing::debug!(
        supervision_ms,
        credentials_ms,
        rest_ms = t.elapsed().as_millis() as u64 - supervision_ms - credentials_ms,
        "lapses found"
    );
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
