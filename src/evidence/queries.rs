//! Evidence pack queries: diesel only, each one a section of the pack for one person.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{PackBody, PersonFacts, SessionRow, SignOffRow};
use crate::accreditation::cpd::CpdActivity;
use crate::accreditation::credentials::AccreditationRow;
use crate::db::schema::{
    accreditation_bodies, accreditations, competencies, competency_assessments, cpd_activities,
    modalities, practitioner_roles, services, supervision_logs, users,
};
use crate::db::DbConn;
use crate::error::AppError;
use crate::supervision::rules::LogStatus;

pub fn person(conn: &mut DbConn, id: &str) -> Result<Option<PersonFacts>, AppError> {
    Ok(users::table
        .left_join(services::table)
        .left_join(practitioner_roles::table.left_join(modalities::table))
        .filter(users::id.eq(id))
        .select((
            users::id,
            users::full_name,
            users::email,
            users::service_id,
            services::name.nullable(),
            users::practitioner_role,
            users::stage,
            practitioner_roles::modality_code.nullable(),
            modalities::body_code.nullable(),
        ))
        .first(conn)
        .optional()?)
}

pub fn body(conn: &mut DbConn, code: &str) -> Result<Option<PackBody>, AppError> {
    Ok(accreditation_bodies::table
        .find(code)
        .select((accreditation_bodies::code, accreditation_bodies::name))
        .first::<(String, String)>(conn)
        .optional()?
        .map(|(code, name)| PackBody { code, name }))
}

pub fn sessions(
    conn: &mut DbConn,
    id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(SessionRow, LogStatus)>, AppError> {
    Ok(supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq(id))
        .filter(supervision_logs::held_on.ge(from))
        .filter(supervision_logs::held_on.le(to))
        .filter(supervision_logs::status.ne(LogStatus::Rejected))
        .order((supervision_logs::held_on.asc(), supervision_logs::id.asc()))
        .select((
            (
                supervision_logs::id,
                supervision_logs::held_on,
                supervision_logs::duration_minutes,
                supervision_logs::supervision_type,
                supervision_logs::format,
                supervision_logs::group_size,
                supervision_logs::cases_discussed,
                supervision_logs::supervisor_id,
                supervision_logs::reviewed_at,
            ),
            supervision_logs::status,
        ))
        .load(conn)?)
}

pub fn activities(
    conn: &mut DbConn,
    id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CpdActivity>, AppError> {
    Ok(cpd_activities::table
        .filter(cpd_activities::practitioner_id.eq(id))
        .filter(cpd_activities::held_on.ge(from))
        .filter(cpd_activities::held_on.le(to))
        .order((cpd_activities::held_on.asc(), cpd_activities::id.asc()))
        .select(CpdActivity::as_select())
        .load(conn)?)
}

pub fn sign_offs(
    conn: &mut DbConn,
    id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SignOffRow>, AppError> {
    Ok(competency_assessments::table
        .inner_join(competencies::table)
        .filter(competency_assessments::practitioner_id.eq(id))
        .filter(competency_assessments::assessed_on.ge(from))
        .filter(competency_assessments::assessed_on.le(to))
        .order((
            competency_assessments::assessed_on.asc(),
            competency_assessments::id.asc(),
        ))
        .select((
            competency_assessments::competency_id,
            competencies::code,
            competencies::title,
            competencies::domain,
            competency_assessments::outcome,
            competency_assessments::evidence,
            competency_assessments::evidence_method,
            competency_assessments::assessed_by,
            competency_assessments::assessed_on,
            competency_assessments::review_due_on,
        ))
        .load(conn)?)
}

pub fn credentials(
    conn: &mut DbConn,
    id: &str,
    body: &str,
) -> Result<Vec<AccreditationRow>, AppError> {
    Ok(accreditations::table
        .filter(accreditations::practitioner_id.eq(id))
        .filter(accreditations::body_code.eq(body))
        .order((accreditations::valid_from.asc(), accreditations::id.asc()))
        .select(AccreditationRow::as_select())
        .load(conn)?)
}

/// Names and emails of people by id, in one query.
pub fn contacts(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, (String, String)>, AppError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::full_name, users::email))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, email)| (id, (name, email)))
        .collect())
}
