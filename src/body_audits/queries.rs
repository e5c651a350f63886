//! Body audit queries: diesel only.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{AuditRule, AuditStatus, BodyAuditRow};
use super::rules::{CpdFact, SessionFact};
use crate::auth::policy::PeopleScope;
use crate::db::schema::{
    accreditations, body_audit_rules, body_audits, cpd_activities, supervision_logs, users,
};
use crate::db::DbConn;
use crate::error::AppError;
use crate::supervision::rules::LogStatus;

pub fn rules(conn: &mut DbConn) -> Result<Vec<AuditRule>, AppError> {
    Ok(body_audit_rules::table
        .order(body_audit_rules::body_code.asc())
        .select(AuditRule::as_select())
        .load(conn)?)
}

pub fn rule(conn: &mut DbConn, body: &str) -> Result<Option<AuditRule>, AppError> {
    Ok(body_audit_rules::table
        .find(body)
        .select(AuditRule::as_select())
        .first(conn)
        .optional()?)
}

pub fn upsert_rule(conn: &mut DbConn, r: &AuditRule, exists: bool) -> Result<(), AppError> {
    if exists {
        diesel::update(body_audit_rules::table.find(&r.body_code))
            .set(r)
            .execute(conn)?;
    } else {
        diesel::insert_into(body_audit_rules::table)
            .values(r)
            .execute(conn)?;
    }
    Ok(())
}

/// Whether the person holds any credential with the body.
pub fn holds_with(conn: &mut DbConn, person: &str, body: &str) -> Result<bool, AppError> {
    Ok(diesel::select(diesel::dsl::exists(
        accreditations::table
            .filter(accreditations::practitioner_id.eq(person))
            .filter(accreditations::body_code.eq(body)),
    ))
    .get_result(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<BodyAuditRow>, AppError> {
    Ok(body_audits::table
        .find(id)
        .select(BodyAuditRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn open_for(conn: &mut DbConn, person: &str, body: &str) -> Result<bool, AppError> {
    Ok(diesel::select(diesel::dsl::exists(
        body_audits::table
            .filter(body_audits::practitioner_id.eq(person))
            .filter(body_audits::body_code.eq(body))
            .filter(body_audits::status.eq(AuditStatus::Open)),
    ))
    .get_result(conn)?)
}

pub fn insert(conn: &mut DbConn, a: &BodyAuditRow) -> Result<(), AppError> {
    diesel::insert_into(body_audits::table)
        .values(a)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, a: &BodyAuditRow) -> Result<(), AppError> {
    diesel::update(body_audits::table.find(&a.id))
        .set(a)
        .execute(conn)?;
    Ok(())
}

/// A person's audits, newest request first.
pub fn of_person(conn: &mut DbConn, person: &str) -> Result<Vec<BodyAuditRow>, AppError> {
    Ok(body_audits::table
        .filter(body_audits::practitioner_id.eq(person))
        .order((body_audits::requested_on.desc(), body_audits::id.desc()))
        .select(BodyAuditRow::as_select())
        .limit(500)
        .load(conn)?)
}

/// One page of the audits in the scope, soonest due first, after the keyset `(due_on, id)`.
pub fn in_scope(
    conn: &mut DbConn,
    scope: &PeopleScope,
    service: Option<&str>,
    status: Option<AuditStatus>,
    after: Option<(NaiveDate, String)>,
    fetch: i64,
) -> Result<Vec<BodyAuditRow>, AppError> {
    let mut q = body_audits::table
        .inner_join(users::table.on(body_audits::practitioner_id.eq(users::id)))
        .select(BodyAuditRow::as_select())
        .into_boxed();
    if let PeopleScope::Service(s) = scope {
        q = q.filter(users::service_id.eq(s.clone()));
    }
    if let Some(s) = service {
        q = q.filter(users::service_id.eq(s.to_string()));
    }
    if let Some(s) = status {
        q = q.filter(body_audits::status.eq(s));
    }
    if let Some((due, id)) = after {
        q = q.filter(
            body_audits::due_on
                .gt(due)
                .or(body_audits::due_on.eq(due).and(body_audits::id.gt(id))),
        );
    }
    Ok(q.order((body_audits::due_on.asc(), body_audits::id.asc()))
        .limit(fetch)
        .load(conn)?)
}

/// Every open audit of active people, with the person's service.
pub fn open_audits(
    conn: &mut DbConn,
) -> Result<Vec<(BodyAuditRow, Option<String>, String)>, AppError> {
    Ok(body_audits::table
        .inner_join(users::table.on(body_audits::practitioner_id.eq(users::id)))
        .filter(users::active.eq(true))
        .filter(body_audits::status.eq(AuditStatus::Open))
        .select((
            BodyAuditRow::as_select(),
            users::service_id,
            users::full_name,
        ))
        .load(conn)?)
}

/// The sessions of these people held on or after `since`, by person.
pub fn sessions(
    conn: &mut DbConn,
    people: &[&str],
    since: NaiveDate,
) -> Result<Vec<(String, SessionFact)>, AppError> {
    let rows: Vec<(String, NaiveDate, String, LogStatus)> = supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq_any(people))
        .filter(supervision_logs::held_on.ge(since))
        .select((
            supervision_logs::supervisee_id,
            supervision_logs::held_on,
            supervision_logs::supervisor_id,
            supervision_logs::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(who, held_on, supervisor_id, status)| {
            (
                who,
                SessionFact {
                    held_on,
                    supervisor_id,
                    countersigned: status == LogStatus::SignedOff,
                    rejected: status == LogStatus::Rejected,
                },
            )
        })
        .collect())
}

/// The first session ever of each of these people with each of their supervisors.
pub fn first_sessions(
    conn: &mut DbConn,
    people: &[&str],
) -> Result<Vec<(String, String, Option<NaiveDate>)>, AppError> {
    Ok(supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq_any(people))
        .filter(supervision_logs::status.ne(LogStatus::Rejected))
        .group_by((
            supervision_logs::supervisee_id,
            supervision_logs::supervisor_id,
        ))
        .select((
            supervision_logs::supervisee_id,
            supervision_logs::supervisor_id,
            diesel::dsl::min(supervision_logs::held_on),
        ))
        .load(conn)?)
}

/// The CPD of these people held on or after `since`.
pub fn cpd(
    conn: &mut DbConn,
    people: &[&str],
    since: NaiveDate,
) -> Result<Vec<(String, CpdFact)>, AppError> {
    let rows: Vec<(String, String, NaiveDate, Option<String>)> = cpd_activities::table
        .filter(cpd_activities::practitioner_id.eq_any(people))
        .filter(cpd_activities::held_on.ge(since))
        .select((
            cpd_activities::practitioner_id,
            cpd_activities::title,
            cpd_activities::held_on,
            cpd_activities::reflective_statement,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(who, title, held_on, reflection)| {
            (
                who,
                CpdFact {
                    title,
                    held_on,
                    reflected: reflection.is_some_and(|r| !r.trim().is_empty()),
                },
            )
        })
        .collect())
}
