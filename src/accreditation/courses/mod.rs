//! Accredited courses: practitioner training, supervisor training and CPD, each accredited by
//! the body of its modality for a period. Admins' courses are shared; a training lead's belong
//! to their service until another service relies on them.

pub mod queries;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{course_status, CourseStatus};
use crate::audit;
use crate::auth::policy::{can_change_course, can_create_course, course_owner, Caller};
use crate::db::schema::courses;
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::http::page::PageRequest;
pub use queries::{find, services_using};

crate::db_enum! {
    pub enum CourseKind("course kind") {
        PractitionerTraining => "practitioner_training",
        SupervisorTraining => "supervisor_training",
        Cpd => "cpd",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = courses, treat_none_as_null = true)]
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
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
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
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
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

/// The body must accredit the modality, and the period must not run backwards.
fn check(conn: &mut DbConn, r: &CourseRow) -> Result<(), AppError> {
    let mut errors = Vec::new();
    match queries::accrediting_body(conn, &r.modality_code)? {
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

/// Whether the caller may create or change courses at all.
pub fn writer(caller: &Caller) -> Result<(), AppError> {
    if can_create_course(caller) {
        Ok(())
    } else {
        Err(AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))
    }
}

/// The list's filters, checked.
pub fn course_filter(q: CourseQuery) -> Result<queries::CourseFilter, AppError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            CourseStatus::parse(s).ok_or_else(|| {
                AppError::invalid("status", "must be accredited, expiring or lapsed")
            })
        })
        .transpose()?;
    Ok(queries::CourseFilter {
        modality: q.modality,
        body: q.body,
        kind: q.kind,
        status,
    })
}

/// One page of courses (up to `page.fetch()`), each with its status today.
pub fn list_courses(
    conn: &mut DbConn,
    filter: &queries::CourseFilter,
    page: &PageRequest,
    at: NaiveDateTime,
) -> Result<Vec<Course>, AppError> {
    let today = at.date();
    Ok(queries::list(conn, filter, page, today)?
        .into_iter()
        .map(|r| Course::view(r, today))
        .collect())
}

pub fn get_course(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<Course, AppError> {
    let row = find(conn, id)?.ok_or(AppError::NotFound)?;
    Ok(Course::view(row, at.date()))
}

/// Adds a course: an admin's is shared, a training lead's belongs to their service.
pub fn create_course(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewCourse,
    at: NaiveDateTime,
) -> Result<Course, AppError> {
    writer(caller)?;
    validate(&input)?;
    let row = CourseRow {
        id: uuid::Uuid::now_v7().to_string(),
        title: input.title.trim().to_string(),
        provider: input.provider.trim().to_string(),
        modality_code: input.modality,
        body_code: input.body,
        kind: input.kind,
        accredited_from: input.accredited_from,
        accredited_until: input.accredited_until,
        created_at: at,
        updated_at: at,
        service_id: course_owner(caller),
    };
    check(conn, &row)?;
    queries::insert(conn, &row)?;
    let owner = row.service_id.clone();
    let course = Course::view(row, at.date());
    audit::of(&caller.id, "course", &course.id)
        .in_service(owner.as_deref())
        .created(conn, &course, at)?;
    Ok(course)
}

/// Changes a course. One another service relies on, or an admin's, is the admin's to change.
pub fn update_course(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: CoursePatch,
    at: NaiveDateTime,
) -> Result<Course, AppError> {
    writer(caller)?;
    validate(&patch)?;
    let before = find(conn, id)?.ok_or(AppError::NotFound)?;
    let used = services_using(conn, id)?;
    if !can_change_course(caller, before.service_id.as_deref(), &used) {
        return Err(AppError::Forbidden(
            "this course is shared with other services or was set up by an admin; ask an admin to change it".into(),
        ));
    }
    let mut row = before.clone();
    if let Some(v) = patch.title {
        row.title = v.trim().to_string();
    }
    if let Some(v) = patch.provider {
        row.provider = v.trim().to_string();
    }
    if let Some(v) = patch.modality {
        row.modality_code = v;
    }
    if let Some(v) = patch.body {
        row.body_code = v;
    }
    if let Some(v) = patch.kind {
        row.kind = v;
    }
    if let Some(v) = patch.accredited_from {
        row.accredited_from = v;
    }
    if let Some(v) = patch.accredited_until {
        row.accredited_until = v;
    }
    check(conn, &row)?;
    row.updated_at = at;
    queries::update(conn, &row)?;
    let today = at.date();
    // Used by other services: recorded as shared, so every lead's trail shows it.
    let owner = row
        .service_id
        .clone()
        .filter(|o| used.iter().all(|u| u == o));
    let (b, a) = (Course::view(before, today), Course::view(row, today));
    audit::of(&caller.id, "course", id)
        .in_service(owner.as_deref())
        .updated(conn, &b, &a, at)?;
    Ok(a)
}
