//! Live assessment queries: diesel only.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Intervention, LiveAssessment, LiveOutcome, LiveRuleRow};
use crate::db::schema::{
    live_assessment_interventions, live_assessment_rules, live_assessments, supervisor_services,
    users,
};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

/// A person's service, role and start in post.
pub type PersonFacts = (Option<String>, Option<String>, Option<NaiveDate>);

/// A live assessment as compliance reads it: who, when, on what, with what outcome.
pub type LiveFactRow = (String, NaiveDate, Option<String>, Option<LiveOutcome>);

/// A person's service, role and start in post: `None` for nobody.
pub fn person(conn: &mut DbConn, id: &str) -> Result<Option<PersonFacts>, AppError> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select((
            users::service_id,
            users::practitioner_role,
            users::started_on,
        ))
        .first(conn)
        .optional()?)
}

/// The services an admin linked this supervisor to.
pub fn linked_services(conn: &mut DbConn, supervisor: &str) -> Result<Vec<String>, AppError> {
    Ok(supervisor_services::table
        .filter(supervisor_services::supervisor_id.eq(supervisor))
        .select(supervisor_services::service_id)
        .load(conn)?)
}

pub fn interventions(conn: &mut DbConn) -> Result<Vec<Intervention>, AppError> {
    Ok(live_assessment_interventions::table
        .order((
            live_assessment_interventions::position.asc(),
            live_assessment_interventions::code.asc(),
        ))
        .select(Intervention::as_select())
        .load(conn)?)
}

pub fn intervention_exists(conn: &mut DbConn, code: &str) -> Result<bool, AppError> {
    Ok(diesel::select(diesel::dsl::exists(
        live_assessment_interventions::table.filter(live_assessment_interventions::code.eq(code)),
    ))
    .get_result(conn)?)
}

pub fn insert_intervention(conn: &mut DbConn, i: &Intervention) -> Result<(), AppError> {
    diesel::insert_into(live_assessment_interventions::table)
        .values(i)
        .execute(conn)?;
    Ok(())
}

pub fn rules(conn: &mut DbConn) -> Result<Vec<LiveRuleRow>, AppError> {
    Ok(live_assessment_rules::table
        .order((
            live_assessment_rules::practitioner_role.asc(),
            live_assessment_rules::body_code.asc(),
        ))
        .select(LiveRuleRow::as_select())
        .load(conn)?)
}

pub fn find_rule(conn: &mut DbConn, id: &str) -> Result<Option<LiveRuleRow>, AppError> {
    Ok(live_assessment_rules::table
        .find(id)
        .select(LiveRuleRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update_rule(conn: &mut DbConn, r: &LiveRuleRow) -> Result<(), AppError> {
    diesel::update(live_assessment_rules::table.find(&r.id))
        .set(r)
        .execute(conn)?;
    Ok(())
}

pub fn insert(conn: &mut DbConn, a: &LiveAssessment) -> Result<(), AppError> {
    diesel::insert_into(live_assessments::table)
        .values(a)
        .execute(conn)?;
    Ok(())
}

/// One page (`page.fetch()` rows) of a person's live assessments, in id order.
pub fn of_person(
    conn: &mut DbConn,
    person: &str,
    page: &PageRequest,
) -> Result<Vec<LiveAssessment>, AppError> {
    let mut s = live_assessments::table
        .filter(live_assessments::practitioner_id.eq(person))
        .select(LiveAssessment::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        s = s.filter(live_assessments::id.gt(after.clone()));
    }
    Ok(s.order(live_assessments::id.asc())
        .limit(page.fetch())
        .load(conn)?)
}

/// A person's live assessments held in `[from, to]`, oldest first.
pub fn between(
    conn: &mut DbConn,
    person: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LiveAssessment>, AppError> {
    Ok(live_assessments::table
        .filter(live_assessments::practitioner_id.eq(person))
        .filter(live_assessments::assessed_on.ge(from))
        .filter(live_assessments::assessed_on.le(to))
        .order((
            live_assessments::assessed_on.asc(),
            live_assessments::id.asc(),
        ))
        .select(LiveAssessment::as_select())
        .load(conn)?)
}

/// Each person's live assessments held after `since` (and not after `to`), for a set of people,
/// in one query: who, when, on what, with what outcome.
pub fn facts(
    conn: &mut DbConn,
    people: &[&str],
    since: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LiveFactRow>, AppError> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    Ok(live_assessments::table
        .filter(live_assessments::practitioner_id.eq_any(people))
        .filter(live_assessments::assessed_on.gt(since))
        .filter(live_assessments::assessed_on.le(to))
        .select((
            live_assessments::practitioner_id,
            live_assessments::assessed_on,
            live_assessments::intervention,
            live_assessments::outcome,
        ))
        .load(conn)?)
}
