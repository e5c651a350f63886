//! CPD queries: diesel only.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::CpdActivity;
use crate::accreditation::rules::{CpdFact, CpdRule};
use crate::db::schema::{cpd_activities, cpd_rules};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

/// body, kind, min activities, reflection required, min CBT-related, min CBT hours, months.
type RuleRow = (String, Option<String>, i32, bool, i32, f64, i32);

pub fn load_rules(conn: &mut DbConn) -> Result<Vec<(String, Option<String>, CpdRule)>, AppError> {
    let rows: Vec<RuleRow> = cpd_rules::table
        .select((
            cpd_rules::body_code,
            cpd_rules::credential_kind,
            cpd_rules::min_activities,
            cpd_rules::reflection_required,
            cpd_rules::min_cbt_related,
            cpd_rules::min_cbt_hours,
            cpd_rules::period_months,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                b,
                k,
                min_activities,
                reflection_required,
                min_cbt_related,
                min_cbt_hours,
                period_months,
            )| {
                (
                    b,
                    k,
                    CpdRule {
                        min_activities,
                        reflection_required,
                        min_cbt_related,
                        min_cbt_hours,
                        period_months,
                    },
                )
            },
        )
        .collect())
}

/// Everyone's CPD facts since `since`, for a set of people, in one query.
pub fn facts(
    conn: &mut DbConn,
    people: &[&str],
    since: NaiveDate,
) -> Result<Vec<(String, CpdFact)>, AppError> {
    let rows: Vec<(String, NaiveDate, f64, bool, Option<String>)> = cpd_activities::table
        .filter(cpd_activities::practitioner_id.eq_any(people))
        .filter(cpd_activities::held_on.gt(since))
        .select((
            cpd_activities::practitioner_id,
            cpd_activities::held_on,
            cpd_activities::hours,
            cpd_activities::cbt_related,
            cpd_activities::reflective_statement,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(who, held_on, hours, cbt_related, reflection)| {
            let has_reflection = reflection.is_some_and(|r| !r.trim().is_empty());
            (
                who,
                CpdFact {
                    held_on,
                    hours,
                    cbt_related,
                    has_reflection,
                },
            )
        })
        .collect())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CpdActivity>, AppError> {
    Ok(cpd_activities::table
        .find(id)
        .select(CpdActivity::as_select())
        .first(conn)
        .optional()?)
}

/// One page (`page.fetch()` rows) of a person's activities held in `[from, to]`, in id order.
pub fn of_person(
    conn: &mut DbConn,
    person: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: &PageRequest,
) -> Result<Vec<CpdActivity>, AppError> {
    let mut s = cpd_activities::table
        .filter(cpd_activities::practitioner_id.eq(person))
        .select(CpdActivity::as_select())
        .into_boxed();
    if let Some(v) = from {
        s = s.filter(cpd_activities::held_on.ge(v));
    }
    if let Some(v) = to {
        s = s.filter(cpd_activities::held_on.le(v));
    }
    if let Some(after) = &page.after {
        s = s.filter(cpd_activities::id.gt(after.clone()));
    }
    Ok(s.order(cpd_activities::id.asc())
        .limit(page.fetch())
        .load(conn)?)
}

pub fn insert(conn: &mut DbConn, a: &CpdActivity) -> Result<(), AppError> {
    diesel::insert_into(cpd_activities::table)
        .values(a)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, a: &CpdActivity) -> Result<(), AppError> {
    diesel::update(cpd_activities::table.find(&a.id))
        .set(a)
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str) -> Result<(), AppError> {
    diesel::delete(cpd_activities::table.find(id)).execute(conn)?;
    Ok(())
}
