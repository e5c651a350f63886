//! Training records: a practitioner's enrolments and completions of courses.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{can_move, check_training_dates, TrainingStatus};
use super::{person_for, Access};
use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::Auth;
use crate::db::schema::training_records;
use crate::db::DbConn;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, validate, AppError, Json};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = training_records)]
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

fn insert(conn: &mut DbConn, r: &TrainingRecord) -> Result<(), AppError> {
    diesel::insert_into(training_records::table)
        .values((
            training_records::id.eq(&r.id),
            training_records::practitioner_id.eq(&r.practitioner_id),
            training_records::course_id.eq(&r.course_id),
            training_records::status.eq(&r.status),
            training_records::started_on.eq(r.started_on),
            training_records::completed_on.eq(r.completed_on),
            training_records::course_accredited_at_completion.eq(r.course_accredited_at_completion),
            training_records::created_at.eq(r.created_at),
            training_records::updated_at.eq(r.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/training", tag = "accreditation", params(("id" = String, Path, description = "person id"), TrainingQuery),
    responses((status = 200, body = TrainingList), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_training(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    q: web::Query<TrainingQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let status = q.into_inner().status;
    let p = page.clone();
    let (rows, required_missing) = state
        .db(move |conn| {
            let service = person_for(conn, &caller, &id, Access::Read)?;
            let missing = super::required::missing_for(conn, &id, service.as_deref())?;
            let mut s = training_records::table
                .filter(training_records::practitioner_id.eq(&id))
                .select(TrainingRecord::as_select())
                .into_boxed();
            if let Some(v) = status {
                s = s.filter(training_records::status.eq(v));
            }
            if let Some(after) = &p.after {
                s = s.filter(training_records::id.gt(after.clone()));
            }
            let rows = s
                .order(training_records::id.asc())
                .limit(p.fetch())
                .load::<TrainingRecord>(conn)?;
            Ok((rows, missing))
        })
        .await?;
    let page = Page::from_rows(rows, &page, |r| &r.id);
    Ok(HttpResponse::Ok().json(TrainingList {
        items: page.items,
        next_cursor: page.next_cursor,
        required_missing,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/training", tag = "accreditation", request_body = NewTraining,
    description = "Records an enrolment or completion in any state with the dates it needs (a past completion is recorded directly). A completion on a course whose accreditation had lapsed on that date is kept and flagged.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 201, body = TrainingRecord), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_training(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewTraining>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let b = body.0;
    validate(&b)?;
    let course_id =
        parse_id(&b.course_id).map_err(|_| AppError::invalid("course_id", "no such course"))?;
    let created = state
        .write(move |conn| {
            let service = person_for(conn, &caller, &id, Access::Manager)?;
            if super::courses::find(conn, &course_id)?.is_none() {
                return Err(AppError::invalid("course_id", "no such course"));
            }
            let errors = check_training_dates(b.status, b.started_on, b.completed_on, now.date());
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let record = TrainingRecord {
                id: uuid::Uuid::now_v7().to_string(),
                practitioner_id: id,
                course_accredited_at_completion: accredited_at(conn, &course_id, b.completed_on)?,
                course_id,
                status: b.status,
                started_on: b.started_on,
                completed_on: b.completed_on,
                created_at: now,
                updated_at: now,
            };
            insert(conn, &record)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "create",
                    entity_type: "training_record",
                    entity_id: &record.id,
                    service_id: service.as_deref(),
                    before: None,
                    after: snapshot(&record)?,
                },
                now,
            )?;
            Ok(record)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/training/{id}", tag = "accreditation", request_body = TrainingPatch,
    params(("id" = String, Path, description = "training record id")),
    responses(
        (status = 200, body = TrainingRecord), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "a backward move"),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_training(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<TrainingPatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let p = body.0;
    validate(&p)?;
    let updated = state
        .write(move |conn| {
            let before: TrainingRecord = training_records::table
                .find(&id)
                .select(TrainingRecord::as_select())
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            let service = person_for(conn, &caller, &before.practitioner_id, Access::Manager)?;
            let from = before.status;
            let to = p.status.unwrap_or(from);
            if !can_move(from, to)
                || matches!(from, TrainingStatus::Completed | TrainingStatus::Withdrawn)
                    && (p.started_on.is_some() || p.completed_on.is_some())
            {
                return Err(AppError::Conflict(format!(
                    "a {} record cannot move to {}",
                    from.as_str(),
                    to.as_str()
                )));
            }
            let mut r = before.clone();
            r.status = to;
            if p.started_on.is_some() {
                r.started_on = p.started_on;
            }
            if p.completed_on.is_some() {
                r.completed_on = p.completed_on;
            }
            let errors = check_training_dates(to, r.started_on, r.completed_on, now.date());
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            r.course_accredited_at_completion = accredited_at(conn, &r.course_id, r.completed_on)?;
            r.updated_at = now;
            diesel::update(training_records::table.find(&id))
                .set((
                    training_records::status.eq(&r.status),
                    training_records::started_on.eq(r.started_on),
                    training_records::completed_on.eq(r.completed_on),
                    training_records::course_accredited_at_completion
                        .eq(r.course_accredited_at_completion),
                    training_records::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "update",
                    entity_type: "training_record",
                    entity_id: &id,
                    service_id: service.as_deref(),
                    before: snapshot(&before)?,
                    after: snapshot(&r)?,
                },
                now,
            )?;
            Ok(r)
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/training", "GET, POST")
            .route(web::get().to(list_training))
            .route(web::post().to(create_training)),
    )
    .service(resource("/training/{id}", "PATCH").route(web::patch().to(patch_training)));
}
