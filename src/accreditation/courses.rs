//! Accredited courses: programmes a body accredits for a modality, over a period.

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{course_status, CourseStatus, EXPIRING_DAYS};
use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::policy::{can_change_course, can_create_course, course_owner, Caller};
use crate::auth::Auth;
use crate::db::schema::{courses, modalities};
use crate::db::DbConn;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, validate, AppError, FieldError, Json};

crate::db_enum! {
    pub enum CourseKind("course kind") {
        PractitionerTraining => "practitioner_training",
        SupervisorTraining => "supervisor_training",
        Cpd => "cpd",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    pub id: String,
    pub title: String,
    pub provider: String,
    pub modality_code: String,
    pub body_code: String,
    pub kind: CourseKind,
    pub accredited_from: NaiveDate,
    pub accredited_until: NaiveDate,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The service whose lead created it; `None`: an admin's (shared).
    pub service_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub provider: String,
    pub modality: String,
    pub body: String,
    /// `practitioner_training`, `supervisor_training` or `cpd`.
    pub kind: CourseKind,
    #[schema(value_type = String, format = Date)]
    pub accredited_from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub accredited_until: NaiveDate,
    /// `accredited`, `expiring` (within 90 days) or `lapsed`.
    pub status: CourseStatus,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl Course {
    pub fn view(r: CourseRow, today: NaiveDate) -> Course {
        Course {
            status: course_status(r.accredited_until, today),
            id: r.id,
            title: r.title,
            provider: r.provider,
            modality: r.modality_code,
            body: r.body_code,
            kind: r.kind,
            accredited_from: r.accredited_from,
            accredited_until: r.accredited_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub title: String,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub provider: String,
    pub modality: String,
    /// Must be the body that accredits the modality.
    pub body: String,
    pub kind: CourseKind,
    #[schema(value_type = String, format = Date)]
    pub accredited_from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub accredited_until: NaiveDate,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoursePatch {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub provider: Option<String>,
    pub modality: Option<String>,
    pub body: Option<String>,
    pub kind: Option<CourseKind>,
    #[schema(value_type = Option<String>, format = Date)]
    pub accredited_from: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub accredited_until: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseQuery {
    pub modality: Option<String>,
    pub body: Option<String>,
    pub kind: Option<String>,
    /// `accredited`, `expiring` or `lapsed`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CourseRow>, AppError> {
    Ok(courses::table
        .find(id)
        .select(CourseRow::as_select())
        .first(conn)
        .optional()?)
}

/// The body must accredit the modality, and the period must not run backwards.
fn check(conn: &mut DbConn, r: &CourseRow) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let accredits: Option<String> = modalities::table
        .find(&r.modality_code)
        .select(modalities::body_code)
        .first(conn)
        .optional()?;
    match accredits {
        None => errors.push(FieldError::new(
            "modality",
            "must be li_cbt, cbt, cfd, ctfd, dit or ipt",
        )),
        Some(b) if b != r.body_code => errors.push(FieldError::new(
            "body",
            format!(
                "{} does not accredit {} courses; {b} does",
                r.body_code, r.modality_code
            ),
        )),
        Some(_) => {}
    }
    if r.accredited_until < r.accredited_from {
        errors.push(FieldError::new(
            "accredited_until",
            "cannot be before accredited_from",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

fn writer(caller: &Caller) -> Result<(), AppError> {
    if can_create_course(caller) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The services whose people have training records on the course or that require it.
pub fn services_using(conn: &mut DbConn, course_id: &str) -> Result<Vec<String>, AppError> {
    use crate::db::schema::{required_courses, training_records, users};
    let mut used: Vec<String> = training_records::table
        .inner_join(users::table.on(users::id.eq(training_records::practitioner_id)))
        .filter(training_records::course_id.eq(course_id))
        .filter(users::service_id.is_not_null())
        .select(users::service_id.assume_not_null())
        .distinct()
        .load(conn)?;
    used.extend(
        required_courses::table
            .filter(required_courses::course_id.eq(course_id))
            .select(required_courses::service_id)
            .distinct()
            .load::<String>(conn)?,
    );
    used.sort();
    used.dedup();
    Ok(used)
}

fn status_filter(s: &str) -> Result<CourseStatus, AppError> {
    match s {
        "accredited" => Ok(CourseStatus::Accredited),
        "expiring" => Ok(CourseStatus::Expiring),
        "lapsed" => Ok(CourseStatus::Lapsed),
        _ => Err(AppError::invalid(
            "status",
            "must be accredited, expiring or lapsed",
        )),
    }
}

#[utoipa::path(
    get, path = "/api/v1/courses", tag = "accreditation", params(CourseQuery),
    responses((status = 200, body = inline(Page<Course>)), (status = 401, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_courses(
    state: web::Data<AppState>,
    _auth: Auth,
    q: web::Query<CourseQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let status = q.status.as_deref().map(status_filter).transpose()?;
    let today = now.date();
    let p = page.clone();
    let rows = state
        .db(move |conn| {
            let mut s = courses::table.select(CourseRow::as_select()).into_boxed();
            if let Some(v) = q.modality {
                s = s.filter(courses::modality_code.eq(v));
            }
            if let Some(v) = q.body {
                s = s.filter(courses::body_code.eq(v));
            }
            if let Some(v) = q.kind {
                s = s.filter(courses::kind.eq(v));
            }
            let soon = today + Duration::days(EXPIRING_DAYS);
            s = match status {
                Some(CourseStatus::Lapsed) => s.filter(courses::accredited_until.lt(today)),
                Some(CourseStatus::Expiring) => s
                    .filter(courses::accredited_until.ge(today))
                    .filter(courses::accredited_until.le(soon)),
                Some(CourseStatus::Accredited) => s.filter(courses::accredited_until.gt(soon)),
                None => s,
            };
            if let Some(after) = &p.after {
                s = s.filter(courses::id.gt(after.clone()));
            }
            Ok(s.order(courses::id.asc()).limit(p.fetch()).load(conn)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .json(Page::from_rows(rows, &page, |c| &c.id).map(|r| Course::view(r, today))))
}

#[utoipa::path(
    post, path = "/api/v1/courses", tag = "accreditation", request_body = NewCourse,
    responses(
        (status = 201, body = Course), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem, description = "e.g. the body does not accredit the modality"),
    ),
    security(("bearer" = []))
)]
pub async fn create_course(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewCourse>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    writer(&caller)?;
    let b = body.0;
    validate(&b)?;
    let created = state
        .write(move |conn| {
            let row = CourseRow {
                id: uuid::Uuid::now_v7().to_string(),
                title: b.title.trim().to_string(),
                provider: b.provider.trim().to_string(),
                modality_code: b.modality,
                body_code: b.body,
                kind: b.kind,
                accredited_from: b.accredited_from,
                accredited_until: b.accredited_until,
                created_at: now,
                updated_at: now,
                service_id: course_owner(&caller),
            };
            check(conn, &row)?;
            diesel::insert_into(courses::table)
                .values((
                    courses::id.eq(&row.id),
                    courses::title.eq(&row.title),
                    courses::provider.eq(&row.provider),
                    courses::modality_code.eq(&row.modality_code),
                    courses::body_code.eq(&row.body_code),
                    courses::kind.eq(&row.kind),
                    courses::accredited_from.eq(row.accredited_from),
                    courses::accredited_until.eq(row.accredited_until),
                    courses::created_at.eq(now),
                    courses::updated_at.eq(now),
                    courses::service_id.eq(&row.service_id),
                ))
                .execute(conn)?;
            let owner = row.service_id.clone();
            let course = Course::view(row, now.date());
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "create",
                    entity_type: "course",
                    entity_id: &course.id,
                    service_id: owner.as_deref(),
                    before: None,
                    after: snapshot(&course)?,
                },
                now,
            )?;
            Ok(course)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/courses/{id}", tag = "accreditation",
    params(("id" = String, Path, description = "course id")),
    responses((status = 200, body = Course), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_course(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let row = state
        .db(move |conn| find(conn, &id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(Course::view(row, now.date())))
}

#[utoipa::path(
    patch, path = "/api/v1/courses/{id}", tag = "accreditation", request_body = CoursePatch,
    params(("id" = String, Path, description = "course id")),
    responses(
        (status = 200, body = Course), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_course(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<CoursePatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    writer(&caller)?;
    let p = body.0;
    validate(&p)?;
    let updated = state
        .write(move |conn| {
            let before = find(conn, &id)?.ok_or(AppError::NotFound)?;
            // A course another service relies on, or an admin's, is the admin's to change.
            let used = services_using(conn, &id)?;
            if !can_change_course(&caller, before.service_id.as_deref(), &used) {
                return Err(AppError::Forbidden(
                    "this course is shared with other services or was set up by an admin; ask an admin to change it".into(),
                ));
            }
            let mut row = before.clone();
            if let Some(v) = p.title {
                row.title = v.trim().to_string();
            }
            if let Some(v) = p.provider {
                row.provider = v.trim().to_string();
            }
            if let Some(v) = p.modality {
                row.modality_code = v;
            }
            if let Some(v) = p.body {
                row.body_code = v;
            }
            if let Some(v) = p.kind {
                row.kind = v;
            }
            if let Some(v) = p.accredited_from {
                row.accredited_from = v;
            }
            if let Some(v) = p.accredited_until {
                row.accredited_until = v;
            }
            check(conn, &row)?;
            row.updated_at = now;
            diesel::update(courses::table.find(&id))
                .set((
                    courses::title.eq(&row.title),
                    courses::provider.eq(&row.provider),
                    courses::modality_code.eq(&row.modality_code),
                    courses::body_code.eq(&row.body_code),
                    courses::kind.eq(&row.kind),
                    courses::accredited_from.eq(row.accredited_from),
                    courses::accredited_until.eq(row.accredited_until),
                    courses::updated_at.eq(now),
                ))
                .execute(conn)?;
            let today = now.date();
            // Used by other services: recorded as shared, so every lead's trail shows it.
            let owner = row
                .service_id
                .clone()
                .filter(|o| used.iter().all(|u| u == o));
            let (b, a) = (Course::view(before, today), Course::view(row, today));
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "update",
                    entity_type: "course",
                    entity_id: &id,
                    service_id: owner.as_deref(),
                    before: snapshot(&b)?,
                    after: snapshot(&a)?,
                },
                now,
            )?;
            Ok(a)
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/courses", "GET, POST")
            .route(web::get().to(list_courses))
            .route(web::post().to(create_course)),
    )
    .service(
        resource("/courses/{id}", "GET, PATCH")
            .route(web::get().to(get_course))
            .route(web::patch().to(patch_course)),
    );
}
