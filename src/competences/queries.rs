//! Competence queries: diesel only, rows in and rows out, composing inside the caller's
//! transaction.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Assessment, AssessorRow, Competence, FrameworkRow};
use super::rules::Outcome;
use crate::auth::policy::{PeopleScope, Role};
use crate::db::schema::{
    competencies, competency_assessments, competency_frameworks, framework_assessors, users,
};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

/// A person as a list or report names them: id, full name, service.
pub type Named = (String, String, Option<String>);

pub fn frameworks(conn: &mut DbConn) -> Result<Vec<FrameworkRow>, AppError> {
    Ok(competency_frameworks::table
        .select(FrameworkRow::as_select())
        .order(competency_frameworks::id)
        .load(conn)?)
}

pub fn framework(conn: &mut DbConn, id: &str) -> Result<Option<FrameworkRow>, AppError> {
    Ok(competency_frameworks::table
        .find(id)
        .select(FrameworkRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn framework_code_taken(conn: &mut DbConn, code: &str) -> Result<bool, AppError> {
    let id: Option<String> = competency_frameworks::table
        .filter(competency_frameworks::code.eq(code))
        .select(competency_frameworks::id)
        .first(conn)
        .optional()?;
    Ok(id.is_some())
}

pub fn insert_framework(conn: &mut DbConn, f: &FrameworkRow) -> Result<(), AppError> {
    diesel::insert_into(competency_frameworks::table)
        .values(f)
        .execute(conn)?;
    Ok(())
}

/// Every competence, or one framework's, in framework then id order.
pub fn competences(
    conn: &mut DbConn,
    framework: Option<&str>,
) -> Result<Vec<Competence>, AppError> {
    let mut q = competencies::table
        .select(Competence::as_select())
        .into_boxed();
    if let Some(f) = framework {
        q = q.filter(competencies::framework_id.eq(f.to_string()));
    }
    Ok(q.order((competencies::framework_id, competencies::id))
        .load(conn)?)
}

pub fn competence(conn: &mut DbConn, id: &str) -> Result<Option<Competence>, AppError> {
    Ok(competencies::table
        .find(id)
        .select(Competence::as_select())
        .first(conn)
        .optional()?)
}

pub fn competence_code_taken(
    conn: &mut DbConn,
    framework: &str,
    code: &str,
) -> Result<bool, AppError> {
    let id: Option<String> = competencies::table
        .filter(competencies::framework_id.eq(framework))
        .filter(competencies::code.eq(code))
        .select(competencies::id)
        .first(conn)
        .optional()?;
    Ok(id.is_some())
}

pub fn insert_competence(conn: &mut DbConn, c: &Competence) -> Result<(), AppError> {
    diesel::insert_into(competencies::table)
        .values(c)
        .execute(conn)?;
    Ok(())
}

pub fn update_competence(conn: &mut DbConn, c: &Competence) -> Result<(), AppError> {
    diesel::update(competencies::table.find(&c.id))
        .set(c)
        .execute(conn)?;
    Ok(())
}

pub fn insert_assessor(conn: &mut DbConn, row: &AssessorRow) -> Result<(), AppError> {
    diesel::insert_into(framework_assessors::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn is_named_assessor(conn: &mut DbConn, framework: &str, user: &str) -> Result<bool, AppError> {
    let id: Option<String> = framework_assessors::table
        .filter(framework_assessors::framework_id.eq(framework))
        .filter(framework_assessors::user_id.eq(user))
        .select(framework_assessors::id)
        .first(conn)
        .optional()?;
    Ok(id.is_some())
}

/// Every assessment of these people, newest first.
pub fn assessments_of(conn: &mut DbConn, people: &[&str]) -> Result<Vec<Assessment>, AppError> {
    Ok(competency_assessments::table
        .filter(competency_assessments::practitioner_id.eq_any(people))
        .select(Assessment::as_select())
        .order((
            competency_assessments::assessed_on.desc(),
            competency_assessments::id.desc(),
        ))
        .load(conn)?)
}

/// A person's latest outcome and review date for one competence.
pub fn latest_of(
    conn: &mut DbConn,
    person: &str,
    competence: &str,
) -> Result<Option<(Outcome, Option<NaiveDate>)>, AppError> {
    Ok(competency_assessments::table
        .filter(competency_assessments::practitioner_id.eq(person))
        .filter(competency_assessments::competency_id.eq(competence))
        .order((
            competency_assessments::assessed_on.desc(),
            competency_assessments::id.desc(),
        ))
        .select((
            competency_assessments::outcome,
            competency_assessments::review_due_on,
        ))
        .first(conn)
        .optional()?)
}

pub fn insert_assessment(conn: &mut DbConn, a: &Assessment) -> Result<(), AppError> {
    diesel::insert_into(competency_assessments::table)
        .values(a)
        .execute(conn)?;
    Ok(())
}

/// One page (`page.fetch()` rows) of active people in the scope, in id order; only the
/// holders of `role` when one is given.
pub fn active_people(
    conn: &mut DbConn,
    scope: &PeopleScope,
    service: Option<&str>,
    role: Option<Role>,
    page: &PageRequest,
) -> Result<Vec<Named>, AppError> {
    let mut s = users::table
        .filter(users::active.eq(true))
        .select((users::id, users::full_name, users::service_id))
        .into_boxed();
    if let Some(role) = role {
        s = s.filter(users::id.eq_any(crate::auth::roles::holders_of(role)));
    }
    if let PeopleScope::Service(id) = scope {
        s = s.filter(users::service_id.eq(id.clone()));
    }
    if let Some(v) = service {
        s = s.filter(users::service_id.eq(v.to_string()));
    }
    if let Some(after) = &page.after {
        s = s.filter(users::id.gt(after.clone()));
    }
    Ok(s.order(users::id.asc()).limit(page.fetch()).load(conn)?)
}

/// A person's service, if there is such a person (`None`: there is not).
pub fn person_service(conn: &mut DbConn, id: &str) -> Result<Option<Option<String>>, AppError> {
    Ok(crate::db::schema::users::table
        .find(id)
        .select(crate::db::schema::users::service_id)
        .first(conn)
        .optional()?)
}
