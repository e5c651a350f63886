//! CPD: practitioners record their own activities; each body's CPD rule (data) says what a
//! renewal needs, and each credential shows whether it is met so far.

pub mod queries;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::CpdRule;
use super::{person_for, Access};
use crate::audit;
use crate::auth::policy::Caller;
use crate::db::schema::cpd_activities;
use crate::db::DbConn;
use crate::error::{validate, AppError};
use crate::http::page::PageRequest;
use crate::http::parse_id;
pub use queries::{facts, load_rules};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = cpd_activities, treat_none_as_null = true)]
pub struct CpdActivity {
    pub id: String,
    pub practitioner_id: String,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    pub hours: f64,
    pub category: String,
    pub cbt_related: bool,
    pub reflective_statement: Option<String>,
    /// A `cpd` course this activity was.
    pub course_id: Option<String>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

fn valid_hours(h: f64) -> Result<(), validator::ValidationError> {
    if (0.25..=200.0).contains(&h) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("hours").with_message("must be 0.25 to 200".into()))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCpd {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    #[validate(custom(function = "valid_hours"))]
    pub hours: f64,
    /// e.g. workshop, reading, course, conference, supervision of practice.
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub category: String,
    #[serde(default)]
    pub cbt_related: bool,
    #[validate(length(max = 20000, message = "must be at most 20000 characters"))]
    #[schema(max_length = 20000)]
    pub reflective_statement: Option<String>,
    pub course_id: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CpdPatch {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub held_on: Option<NaiveDate>,
    #[validate(custom(function = "valid_hours"))]
    pub hours: Option<f64>,
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub category: Option<String>,
    pub cbt_related: Option<bool>,
    #[validate(length(max = 20000, message = "must be at most 20000 characters"))]
    #[schema(max_length = 20000)]
    pub reflective_statement: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CpdQuery {
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The rule for a credential: one naming its kind first, else the body's general one.
pub fn rule_for<'a>(
    rules: &'a [(String, Option<String>, CpdRule)],
    body: &str,
    kind: &str,
) -> Option<&'a CpdRule> {
    rules
        .iter()
        .find(|(b, k, _)| b == body && k.as_deref() == Some(kind))
        .or_else(|| rules.iter().find(|(b, k, _)| b == body && k.is_none()))
        .map(|(_, _, r)| r)
}

/// One page (up to `page.fetch()`) of a person's CPD activities.
pub fn list_cpd(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    q: &CpdQuery,
    page: &PageRequest,
) -> Result<Vec<CpdActivity>, AppError> {
    person_for(conn, caller, person, Access::Read)?;
    queries::of_person(conn, person, q.from, q.to, page)
}

fn check_course(conn: &mut DbConn, course_id: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(raw) = course_id else {
        return Ok(None);
    };
    let id = parse_id(raw).map_err(|_| AppError::invalid("course_id", "no such course"))?;
    match super::courses::find(conn, &id)? {
        Some(c) if c.kind == super::courses::CourseKind::Cpd => Ok(Some(id)),
        Some(_) => Err(AppError::invalid("course_id", "is not a cpd course")),
        None => Err(AppError::invalid("course_id", "no such course")),
    }
}

/// The practitioner records their own CPD.
pub fn add_cpd(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    input: NewCpd,
    at: NaiveDateTime,
) -> Result<CpdActivity, AppError> {
    validate(&input)?;
    if input.held_on > at.date() {
        return Err(AppError::invalid("held_on", "cannot be in the future"));
    }
    let service = person_for(conn, caller, person, Access::Owner)?;
    let course_id = check_course(conn, input.course_id.as_deref())?;
    let a = CpdActivity {
        id: uuid::Uuid::now_v7().to_string(),
        practitioner_id: person.to_string(),
        title: input.title.trim().to_string(),
        held_on: input.held_on,
        hours: input.hours,
        category: input.category.trim().to_string(),
        cbt_related: input.cbt_related,
        reflective_statement: input.reflective_statement,
        course_id,
        created_at: at,
        updated_at: at,
    };
    queries::insert(conn, &a)?;
    audit::of(&caller.id, "cpd_activity", &a.id)
        .in_service(service.as_deref())
        .created(conn, &a, at)?;
    Ok(a)
}

/// An activity its owner may change; others who may see it get 403, the rest 404.
fn owned(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<(CpdActivity, Option<String>), AppError> {
    let a = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    let service = person_for(conn, caller, &a.practitioner_id, Access::Owner)?;
    Ok((a, service))
}

pub fn update_cpd(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: CpdPatch,
    at: NaiveDateTime,
) -> Result<CpdActivity, AppError> {
    validate(&patch)?;
    if patch.held_on.is_some_and(|d| d > at.date()) {
        return Err(AppError::invalid("held_on", "cannot be in the future"));
    }
    let (before, service) = owned(conn, caller, id)?;
    let mut a = before.clone();
    if let Some(v) = patch.title {
        a.title = v.trim().to_string();
    }
    if let Some(v) = patch.held_on {
        a.held_on = v;
    }
    if let Some(v) = patch.hours {
        a.hours = v;
    }
    if let Some(v) = patch.category {
        a.category = v.trim().to_string();
    }
    if let Some(v) = patch.cbt_related {
        a.cbt_related = v;
    }
    if patch.reflective_statement.is_some() {
        a.reflective_statement = patch.reflective_statement;
    }
    a.updated_at = at;
    queries::update(conn, &a)?;
    audit::of(&caller.id, "cpd_activity", id)
        .in_service(service.as_deref())
        .updated(conn, &before, &a, at)?;
    Ok(a)
}

pub fn delete_cpd(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let (before, service) = owned(conn, caller, id)?;
    queries::delete(conn, id)?;
    audit::of(&caller.id, "cpd_activity", id)
        .in_service(service.as_deref())
        .deleted(conn, &before, at)
}
