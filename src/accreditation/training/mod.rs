//! Training records: a practitioner's enrolments on and completions of accredited courses,
//! moving forward only, each completion flagged with whether the course was accredited then.

pub mod queries;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{can_move, check_training_dates, TrainingStatus};
use super::{person_for, Access};
use crate::audit;
use crate::auth::policy::Caller;
use crate::db::schema::training_records;
use crate::db::DbConn;
use crate::error::{validate, AppError};
use crate::http::page::{Page, PageRequest};
use crate::http::parse_id;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = training_records, treat_none_as_null = true)]
pub struct TrainingRecord {
    pub id: String,
    pub practitioner_id: String,
    pub course_id: String,
    pub status: TrainingStatus,
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<NaiveDate>,
    /// For a completion: whether the course was accredited on the day it was completed.
    pub course_accredited_at_completion: Option<bool>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTraining {
    pub course_id: String,
    pub status: TrainingStatus,
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    /// Required for `completed`.
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<NaiveDate>,
}

/// Moves a record forward (enrolled -> in_progress -> completed, or to withdrawn).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingPatch {
    pub status: Option<TrainingStatus>,
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<NaiveDate>,
}

/// A page of training records, with the service's required courses the person still lacks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingList {
    pub items: Vec<TrainingRecord>,
    pub next_cursor: Option<String>,
    pub required_missing: Vec<super::required::Missing>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrainingQuery {
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Whether the course was accredited on the completion date (`None` when not completed).
fn accredited_at(
    conn: &mut DbConn,
    course_id: &str,
    completed_on: Option<NaiveDate>,
) -> Result<Option<bool>, AppError> {
    let Some(done) = completed_on else {
        return Ok(None);
    };
    let course = super::courses::find(conn, course_id)?
        .ok_or_else(|| AppError::invalid("course_id", "no such course"))?;
    Ok(Some(
        course.accredited_from <= done && done <= course.accredited_until,
    ))
}

/// One page of a person's training records, with the required courses they still lack.
pub fn list_training(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    status: Option<&str>,
    page: &PageRequest,
) -> Result<TrainingList, AppError> {
    let status = status
        .map(|s| {
            TrainingStatus::parse(s).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "must be enrolled, in_progress, completed or withdrawn",
                )
            })
        })
        .transpose()?;
    let service = person_for(conn, caller, person, Access::Read)?;
    let required_missing = super::required::missing_for(conn, person, service.as_deref())?;
    let rows = queries::of_person(conn, person, status, page)?;
    let page = Page::from_rows(rows, page, |r| &r.id);
    Ok(TrainingList {
        items: page.items,
        next_cursor: page.next_cursor,
        required_missing,
    })
}

/// Records an enrolment or completion in any state with the dates it needs.
pub fn add_training(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    input: NewTraining,
    at: NaiveDateTime,
) -> Result<TrainingRecord, AppError> {
    validate(&input)?;
    let course_id =
        parse_id(&input.course_id).map_err(|_| AppError::invalid("course_id", "no such course"))?;
    let service = person_for(conn, caller, person, Access::Manager)?;
    if super::courses::find(conn, &course_id)?.is_none() {
        return Err(AppError::invalid("course_id", "no such course"));
    }
    let errors = check_training_dates(
        input.status,
        input.started_on,
        input.completed_on,
        at.date(),
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let record = TrainingRecord {
        id: uuid::Uuid::now_v7().to_string(),
        practitioner_id: person.to_string(),
        course_accredited_at_completion: accredited_at(conn, &course_id, input.completed_on)?,
        course_id,
        status: input.status,
        started_on: input.started_on,
        completed_on: input.completed_on,
        created_at: at,
        updated_at: at,
    };
    queries::insert(conn, &record)?;
    audit::of(&caller.id, "training_record", &record.id)
        .in_service(service.as_deref())
        .created(conn, &record, at)?;
    Ok(record)
}

/// Moves a record forward (enrolled -> in_progress -> completed, or to withdrawn).
pub fn update_training(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: TrainingPatch,
    at: NaiveDateTime,
) -> Result<TrainingRecord, AppError> {
    validate(&patch)?;
    let before = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    let service = person_for(conn, caller, &before.practitioner_id, Access::Manager)?;
    let from = before.status;
    let to = patch.status.unwrap_or(from);
    if !can_move(from, to)
        || matches!(from, TrainingStatus::Completed | TrainingStatus::Withdrawn)
            && (patch.started_on.is_some() || patch.completed_on.is_some())
    {
        return Err(AppError::Conflict(format!(
            "a {} record cannot move to {}",
            from.as_str(),
            to.as_str()
        )));
    }
    let mut r = before.clone();
    r.status = to;
    if patch.started_on.is_some() {
        r.started_on = patch.started_on;
    }
    if patch.completed_on.is_some() {
        r.completed_on = patch.completed_on;
    }
    let errors = check_training_dates(to, r.started_on, r.completed_on, at.date());
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    r.course_accredited_at_completion = accredited_at(conn, &r.course_id, r.completed_on)?;
    r.updated_at = at;
    queries::update(conn, &r)?;
    audit::of(&caller.id, "training_record", id)
        .in_service(service.as_deref())
        .updated(conn, &before, &r, at)?;
    Ok(r)
}
