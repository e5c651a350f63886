//! Courses a service requires (of everyone, or of one practitioner role), who still lacks
//! them, and the course audit report.

use std::collections::{HashMap, HashSet};

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::courses::{Course, CourseRow};
use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::policy::{can_manage_people_of, report_scope, PeopleScope};
use crate::auth::Auth;
use crate::db::schema::{courses, required_courses, training_records, users};
use crate::db::DbConn;
use crate::http::page::{whole, Page, PageRequest};
use crate::http::{csv, parse_id, resource, validate, AppError, Json};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
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

struct Person {
    id: String,
    full_name: String,
    service_id: Option<String>,
    role: Option<String>,
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
    let mut q = users::table
        .filter(users::active.eq(true))
        .filter(users::service_id.eq_any(&services))
        .select((
            users::id,
            users::full_name,
            users::service_id,
            users::practitioner_role,
        ))
        .into_boxed();
    if let Some(p) = only_person {
        q = q.filter(users::id.eq(p.to_string()));
    }
    let people: Vec<Person> = q
        .load::<(String, String, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, full_name, service_id, role)| Person {
            id,
            full_name,
            service_id,
            role,
        })
        .collect();
    let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
    let done: HashSet<(String, String)> = training_records::table
        .filter(training_records::status.eq(crate::accreditation::rules::TrainingStatus::Completed))
        .filter(training_records::course_id.eq_any(&course_ids))
        .filter(training_records::practitioner_id.eq_any(&ids))
        .select((
            training_records::practitioner_id,
            training_records::course_id,
        ))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
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

/// The required courses a person still lacks.
pub fn missing_for(
    conn: &mut DbConn,
    person_id: &str,
    service_id: Option<&str>,
) -> Result<Vec<Missing>, AppError> {
    let Some(service) = service_id else {
        return Ok(Vec::new());
    };
    let reqs: Vec<(RequiredCourse, String)> = required_courses::table
        .inner_join(courses::table)
        .filter(required_courses::service_id.eq(service))
        .select((RequiredCourse::as_select(), courses::title))
        .load(conn)?;
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

#[utoipa::path(
    get, path = "/api/v1/required-courses", tag = "accreditation", params(RequiredQuery),
    responses((status = 200, body = inline(Page<RequiredCourse>)), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_required(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<RequiredQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = report_scope(&caller).ok_or_else(AppError::forbidden)?;
    let service = q.into_inner().service_id;
    let rows = state
        .db(move |conn| {
            let mut s = required_courses::table
                .select(RequiredCourse::as_select())
                .into_boxed();
            if let PeopleScope::Service(id) = &scope {
                s = s.filter(required_courses::service_id.eq(id.clone()));
            }
            if let Some(v) = service {
                s = s.filter(required_courses::service_id.eq(v));
            }
            Ok(s.order(required_courses::id.asc())
                .load::<RequiredCourse>(conn)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(whole(rows)))
}

#[utoipa::path(
    post, path = "/api/v1/required-courses", tag = "accreditation", request_body = NewRequiredCourse,
    description = "Marks a course as required in a service, for everyone or for one practitioner role (training leads of that service, admins).",
    responses(
        (status = 201, body = RequiredCourse), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_required(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewRequiredCourse>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let b = body.0;
    validate(&b)?;
    let service_id =
        parse_id(&b.service_id).map_err(|_| AppError::invalid("service_id", "no such service"))?;
    let course_id =
        parse_id(&b.course_id).map_err(|_| AppError::invalid("course_id", "no such course"))?;
    if !can_manage_people_of(&caller, Some(&service_id)) {
        return Err(AppError::forbidden());
    }
    let created = state
        .write(move |conn| {
            if crate::services::find(conn, &service_id)?.is_none() {
                return Err(AppError::invalid("service_id", "no such service"));
            }
            if super::courses::find(conn, &course_id)?.is_none() {
                return Err(AppError::invalid("course_id", "no such course"));
            }
            if let Some(role) = &b.practitioner_role {
                if crate::reference::modality_of_role(conn, role)?.is_none() {
                    return Err(AppError::invalid(
                        "practitioner_role",
                        "no such practitioner role",
                    ));
                }
            }
            let existing: Vec<Option<String>> = required_courses::table
                .filter(required_courses::service_id.eq(&service_id))
                .filter(required_courses::course_id.eq(&course_id))
                .select(required_courses::practitioner_role)
                .load(conn)?;
            if existing
                .iter()
                .any(|r| r.is_none() || *r == b.practitioner_role)
            {
                return Err(AppError::Conflict(
                    "this course is already required here".into(),
                ));
            }
            let r = RequiredCourse {
                id: uuid::Uuid::now_v7().to_string(),
                service_id,
                course_id,
                practitioner_role: b.practitioner_role,
                created_by: caller.id.clone(),
                created_at: now,
            };
            diesel::insert_into(required_courses::table)
                .values((
                    required_courses::id.eq(&r.id),
                    required_courses::service_id.eq(&r.service_id),
                    required_courses::course_id.eq(&r.course_id),
                    required_courses::practitioner_role.eq(&r.practitioner_role),
                    required_courses::created_by.eq(&r.created_by),
                    required_courses::created_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "create",
                    entity_type: "required_course",
                    entity_id: &r.id,
                    service_id: Some(&r.service_id),
                    before: None,
                    after: snapshot(&r)?,
                },
                now,
            )?;
            Ok(r)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    delete, path = "/api/v1/required-courses/{id}", tag = "accreditation",
    params(("id" = String, Path, description = "requirement id")),
    responses((status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn delete_required(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    state
        .write(move |conn| {
            let r: RequiredCourse = required_courses::table
                .find(&id)
                .select(RequiredCourse::as_select())
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            if !can_manage_people_of(&caller, Some(&r.service_id)) {
                return Err(AppError::NotFound);
            }
            diesel::delete(required_courses::table.find(&id)).execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "delete",
                    entity_type: "required_course",
                    entity_id: &id,
                    service_id: Some(&r.service_id),
                    before: snapshot(&r)?,
                    after: None,
                },
                now,
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
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

/// One page of the course audit in five queries (courses, completion counts, requirements,
/// people, completions).
fn course_audit(
    conn: &mut DbConn,
    scope: &PeopleScope,
    page: &PageRequest,
    today: chrono::NaiveDate,
) -> Result<(Vec<CourseAudit>, Option<String>), AppError> {
    let mut s = courses::table.select(CourseRow::as_select()).into_boxed();
    if let Some(after) = &page.after {
        s = s.filter(courses::id.gt(after.clone()));
    }
    let rows: Vec<CourseRow> = s.order(courses::id.asc()).limit(page.fetch()).load(conn)?;
    let (rows, next) = page.split(rows, |r| &r.id);
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let counts: Vec<(String, Option<bool>, i64)> = training_records::table
        .filter(training_records::course_id.eq_any(&ids))
        .filter(training_records::status.eq(crate::accreditation::rules::TrainingStatus::Completed))
        .group_by((
            training_records::course_id,
            training_records::course_accredited_at_completion,
        ))
        .select((
            training_records::course_id,
            training_records::course_accredited_at_completion,
            count_star(),
        ))
        .load(conn)?;
    let mut reqs_q = required_courses::table
        .filter(required_courses::course_id.eq_any(&ids))
        .select(RequiredCourse::as_select())
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        reqs_q = reqs_q.filter(required_courses::service_id.eq(id.clone()));
    }
    let reqs: Vec<RequiredCourse> = reqs_q.order(required_courses::id.asc()).load(conn)?;
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

#[utoipa::path(
    get, path = "/api/v1/reports/courses", tag = "reports", params(CourseReportQuery),
    description = "Every course with its status, completions, completions outside its accreditation, and who still lacks it where it is required. `Accept: text/csv`: one row per course and requirement.",
    responses(
        (status = 200, body = inline(Page<CourseAudit>), content_type = "application/json"),
        (status = 200, body = String, content_type = "text/csv"),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn courses_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<CourseReportQuery>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.today();
    let scope = report_scope(&caller).ok_or_else(AppError::forbidden)?;
    if csv::wanted(&req) {
        return csv::stream(
            &state,
            "courses.csv",
            &[
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
            ],
            500,
            move |conn, page| course_audit(conn, &scope, page, today),
            |out, a| {
                let c = &a.course;
                let base = [
                    c.id.clone(),
                    c.title.clone(),
                    c.modality.clone(),
                    c.body.clone(),
                    c.kind.as_str().to_string(),
                    c.accredited_until.to_string(),
                    c.status.as_str().to_string(),
                    a.completions.to_string(),
                    a.completions_outside_accreditation.to_string(),
                ];
                if a.required.is_empty() {
                    let mut row = base.to_vec();
                    row.extend([String::new(), String::new(), String::new(), String::new()]);
                    csv::push_row(out, &row);
                }
                for r in &a.required {
                    let mut row = base.to_vec();
                    let names: Vec<&str> = r.lacking.iter().map(|l| l.full_name.as_str()).collect();
                    row.extend([
                        r.service_id.clone(),
                        r.practitioner_role.clone().unwrap_or_default(),
                        r.lacking.len().to_string(),
                        names.join("; "),
                    ]);
                    csv::push_row(out, &row);
                }
            },
        )
        .await;
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let (rows, next) = state
        .db(move |conn| course_audit(conn, &scope, &p, today))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows,
        next_cursor: next.as_deref().map(crate::http::page::encode_cursor),
    }))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/required-courses", "GET, POST")
            .route(web::get().to(list_required))
            .route(web::post().to(create_required)),
    )
    .service(resource("/required-courses/{id}", "DELETE").route(web::delete().to(delete_required)))
    .service(resource("/reports/courses", "GET").route(web::get().to(courses_report)));
}
