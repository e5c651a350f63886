//! Required training: courses a service requires of everyone or of one practitioner role, who
//! still lacks each, and the courses report.

pub mod queries;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::courses::Course;
use crate::audit;
use crate::auth::policy::{can_manage_people_of, Caller, PeopleScope};
use crate::db::schema::required_courses;
use crate::db::DbConn;
use crate::error::{validate, AppError};
use crate::http::page::PageRequest;
use crate::http::parse_id;
use crate::http::report::{Batch, CsvRecord};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = required_courses)]
pub struct RequiredCourse {
    pub id: String,
    pub service_id: String,
    pub course_id: String,
    /// Null: everyone in the service.
    pub practitioner_role: Option<String>,
    pub created_by: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequiredCourse {
    pub service_id: String,
    pub course_id: String,
    /// Null or absent: everyone in the service.
    pub practitioner_role: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequiredQuery {
    pub service_id: Option<String>,
}

/// A required course a person has not completed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Missing {
    pub required_course_id: String,
    pub course_id: String,
    pub title: String,
}

/// Someone who lacks a required course.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Lacking {
    pub practitioner_id: String,
    pub full_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementState {
    pub required_course_id: String,
    pub service_id: String,
    pub practitioner_role: Option<String>,
    /// Active people the requirement applies to who have not completed the course.
    pub lacking: Vec<Lacking>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseAudit {
    #[serde(flatten)]
    pub course: Course,
    pub completions: i64,
    /// Completions on a date the course was not accredited.
    pub completions_outside_accreditation: i64,
    pub required: Vec<RequirementState>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseReportQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Who lacks each requirement, in three queries whatever the number of requirements and people.
fn lacking(
    conn: &mut DbConn,
    reqs: &[RequiredCourse],
    only_person: Option<&str>,
) -> Result<HashMap<String, Vec<Lacking>>, AppError> {
    let mut out: HashMap<String, Vec<Lacking>> = HashMap::new();
    if reqs.is_empty() {
        return Ok(out);
    }
    let services: Vec<&str> = reqs.iter().map(|r| r.service_id.as_str()).collect();
    let course_ids: Vec<&str> = reqs.iter().map(|r| r.course_id.as_str()).collect();
    let people = queries::active_in(conn, &services, only_person)?;
    let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
    let done = queries::completed(conn, &course_ids, &ids)?;
    for r in reqs {
        let list = out.entry(r.id.clone()).or_default();
        for p in &people {
            let applies = p.service_id.as_deref() == Some(r.service_id.as_str())
                && r.practitioner_role
                    .as_ref()
                    .is_none_or(|role| p.role.as_ref() == Some(role));
            if applies && !done.contains(&(p.id.clone(), r.course_id.clone())) {
                list.push(Lacking {
                    practitioner_id: p.id.clone(),
                    full_name: p.full_name.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Who lacks each requirement, by requirement id.
pub fn lacking_by_requirement(
    conn: &mut DbConn,
    reqs: &[RequiredCourse],
) -> Result<HashMap<String, Vec<Lacking>>, AppError> {
    lacking(conn, reqs, None)
}

/// How many active people lack each requirement of one service (`None`: of every service),
/// with the course's title, in four queries.
pub fn lacking_counts(
    conn: &mut DbConn,
    service: Option<&str>,
) -> Result<Vec<(RequiredCourse, String, usize)>, AppError> {
    let reqs = queries::with_titles(conn, service)?;
    let plain: Vec<RequiredCourse> = reqs.iter().map(|(r, _)| r.clone()).collect();
    let lacking = lacking(conn, &plain, None)?;
    Ok(reqs
        .into_iter()
        .map(|(r, title)| {
            let n = lacking.get(&r.id).map_or(0, Vec::len);
            (r, title, n)
        })
        .collect())
}

/// The required courses a person still lacks.
pub fn missing_for(
    conn: &mut DbConn,
    person_id: &str,
    service_id: Option<&str>,
) -> Result<Vec<Missing>, AppError> {
    let Some(service) = service_id else {
        return Ok(Vec::new());
    };
    let reqs = queries::of_service_with_titles(conn, service)?;
    let plain: Vec<RequiredCourse> = reqs.iter().map(|(r, _)| r.clone()).collect();
    let lacking = lacking(conn, &plain, Some(person_id))?;
    Ok(reqs
        .into_iter()
        .filter(|(r, _)| lacking.get(&r.id).is_some_and(|l| !l.is_empty()))
        .map(|(r, title)| Missing {
            required_course_id: r.id,
            course_id: r.course_id,
            title,
        })
        .collect())
}

/// The requirements in the caller's scope.
pub fn list_required(
    conn: &mut DbConn,
    scope: &PeopleScope,
    service: Option<&str>,
) -> Result<Vec<RequiredCourse>, AppError> {
    queries::list(conn, scope, service)
}

/// Marks a course as required in a service, for everyone or for one practitioner role
/// (training leads of that service, admins).
pub fn require_course(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewRequiredCourse,
    at: NaiveDateTime,
) -> Result<RequiredCourse, AppError> {
    validate(&input)?;
    let service_id = parse_id(&input.service_id)
        .map_err(|_| AppError::invalid("service_id", "no such service"))?;
    let course_id =
        parse_id(&input.course_id).map_err(|_| AppError::invalid("course_id", "no such course"))?;
    if !can_manage_people_of(caller, Some(&service_id)) {
        return Err(AppError::needs(
            "the training_lead role in that service, or the admin role",
        ));
    }
    if crate::services::find(conn, &service_id)?.is_none() {
        return Err(AppError::invalid("service_id", "no such service"));
    }
    if super::courses::find(conn, &course_id)?.is_none() {
        return Err(AppError::invalid("course_id", "no such course"));
    }
    if let Some(role) = &input.practitioner_role {
        if crate::reference::modality_of_role(conn, role)?.is_none() {
            return Err(AppError::invalid(
                "practitioner_role",
                "no such practitioner role",
            ));
        }
    }
    let existing = queries::roles_requiring(conn, &service_id, &course_id)?;
    if existing
        .iter()
        .any(|r| r.is_none() || *r == input.practitioner_role)
    {
        return Err(AppError::Conflict(
            "this course is already required here".into(),
        ));
    }
    let r = RequiredCourse {
        id: uuid::Uuid::now_v7().to_string(),
        service_id,
        course_id,
        practitioner_role: input.practitioner_role,
        created_by: caller.id.clone(),
        created_at: at,
    };
    queries::insert(conn, &r)?;
    audit::of(&caller.id, "required_course", &r.id)
        .in_service(Some(&r.service_id))
        .created(conn, &r, at)?;
    Ok(r)
}

/// Removes a requirement; one of a service the caller does not manage is a 404.
pub fn unrequire_course(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let r = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    if !can_manage_people_of(caller, Some(&r.service_id)) {
        return Err(AppError::NotFound);
    }
    queries::delete(conn, id)?;
    audit::of(&caller.id, "required_course", id)
        .in_service(Some(&r.service_id))
        .deleted(conn, &r, at)
}

/// One page of the course audit in five queries (courses, completion counts, requirements,
/// people, completions).
pub fn course_audit(
    conn: &mut DbConn,
    scope: &PeopleScope,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<Batch<CourseAudit>, AppError> {
    let rows = queries::courses_page(conn, page)?;
    let (rows, next) = page.split(rows, |r| &r.id);
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let counts = queries::completion_counts(conn, &ids)?;
    let reqs = queries::of_courses(conn, &ids, scope)?;
    let mut lacking = lacking(conn, &reqs, None)?;
    let out = rows
        .into_iter()
        .map(|r| {
            let id = r.id.clone();
            let of = |flag: Option<bool>| {
                counts
                    .iter()
                    .filter(|(c, f, _)| *c == id && *f == flag)
                    .map(|(_, _, n)| *n)
                    .sum::<i64>()
            };
            let completions = of(Some(true)) + of(Some(false)) + of(None);
            let required = reqs
                .iter()
                .filter(|q| q.course_id == id)
                .map(|q| RequirementState {
                    required_course_id: q.id.clone(),
                    service_id: q.service_id.clone(),
                    practitioner_role: q.practitioner_role.clone(),
                    lacking: lacking.remove(&q.id).unwrap_or_default(),
                })
                .collect();
            CourseAudit {
                completions_outside_accreditation: of(Some(false)),
                completions,
                required,
                course: Course::view(r, today),
            }
        })
        .collect();
    Ok((out, next))
}

impl CsvRecord for CourseAudit {
    const FILE: &'static str = "courses.csv";
    const HEADER: &'static [&'static str] = &[
        "course_id",
        "title",
        "modality",
        "body",
        "kind",
        "accredited_until",
        "status",
        "completions",
        "completions_outside_accreditation",
        "required_in_service",
        "required_of_role",
        "lacking_count",
        "lacking",
    ];

    /// The course's own cells.
    fn cells(&self) -> Vec<String> {
        let c = &self.course;
        vec![
            c.id.clone(),
            c.title.clone(),
            c.modality.clone(),
            c.body.clone(),
            c.kind.as_str().to_string(),
            c.accredited_until.to_string(),
            c.status.as_str().to_string(),
            self.completions.to_string(),
            self.completions_outside_accreditation.to_string(),
        ]
    }

    /// One record per requirement, or one with empty requirement cells when none.
    fn records(&self) -> Vec<Vec<String>> {
        let base = self.cells();
        if self.required.is_empty() {
            let mut row = base;
            row.extend([String::new(), String::new(), String::new(), String::new()]);
            return vec![row];
        }
        self.required
            .iter()
            .map(|r| {
                let mut row = base.clone();
                let names: Vec<&str> = r.lacking.iter().map(|l| l.full_name.as_str()).collect();
                row.extend([
                    r.service_id.clone(),
                    r.practitioner_role.clone().unwrap_or_default(),
                    r.lacking.len().to_string(),
                    names.join("; "),
                ]);
                row
            })
            .collect()
    }
}
