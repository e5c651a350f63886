//! Required training queries: diesel only.

use std::collections::HashSet;

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::RequiredCourse;
use crate::accreditation::courses::CourseRow;
use crate::accreditation::rules::TrainingStatus;
use crate::auth::policy::PeopleScope;
use crate::db::schema::{courses, required_courses, training_records, users};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

/// An active person a requirement may apply to.
pub struct Person {
    pub id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub role: Option<String>,
}

/// The active people of these services (or just `only_person`).
pub fn active_in(
    conn: &mut DbConn,
    services: &[&str],
    only_person: Option<&str>,
) -> Result<Vec<Person>, AppError> {
    let mut q = users::table
        .filter(users::active.eq(true))
        .filter(users::service_id.eq_any(services))
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
    Ok(
        q.load::<(String, String, Option<String>, Option<String>)>(conn)?
            .into_iter()
            .map(|(id, full_name, service_id, role)| Person {
                id,
                full_name,
                service_id,
                role,
            })
            .collect(),
    )
}

/// Which of these people completed which of these courses.
pub fn completed(
    conn: &mut DbConn,
    courses: &[&str],
    people: &[&str],
) -> Result<HashSet<(String, String)>, AppError> {
    Ok(training_records::table
        .filter(training_records::status.eq(TrainingStatus::Completed))
        .filter(training_records::course_id.eq_any(courses))
        .filter(training_records::practitioner_id.eq_any(people))
        .select((
            training_records::practitioner_id,
            training_records::course_id,
        ))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// A service's requirements with their courses' titles.
pub fn of_service_with_titles(
    conn: &mut DbConn,
    service: &str,
) -> Result<Vec<(RequiredCourse, String)>, AppError> {
    with_titles(conn, Some(service))
}

/// The requirements of one service (`None`: of every service) with their courses' titles.
pub fn with_titles(
    conn: &mut DbConn,
    service: Option<&str>,
) -> Result<Vec<(RequiredCourse, String)>, AppError> {
    let mut q = required_courses::table
        .inner_join(courses::table)
        .select((RequiredCourse::as_select(), courses::title))
        .into_boxed();
    if let Some(s) = service {
        q = q.filter(required_courses::service_id.eq(s.to_string()));
    }
    Ok(q.order((courses::title.asc(), required_courses::id.asc()))
        .load(conn)?)
}

pub fn list(
    conn: &mut DbConn,
    scope: &PeopleScope,
    service: Option<&str>,
) -> Result<Vec<RequiredCourse>, AppError> {
    let mut s = required_courses::table
        .select(RequiredCourse::as_select())
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        s = s.filter(required_courses::service_id.eq(id.clone()));
    }
    if let Some(v) = service {
        s = s.filter(required_courses::service_id.eq(v.to_string()));
    }
    Ok(s.order(required_courses::id.asc()).load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<RequiredCourse>, AppError> {
    Ok(required_courses::table
        .find(id)
        .select(RequiredCourse::as_select())
        .first(conn)
        .optional()?)
}

/// The roles (null: everyone) a service already requires a course of.
pub fn roles_requiring(
    conn: &mut DbConn,
    service: &str,
    course: &str,
) -> Result<Vec<Option<String>>, AppError> {
    Ok(required_courses::table
        .filter(required_courses::service_id.eq(service))
        .filter(required_courses::course_id.eq(course))
        .select(required_courses::practitioner_role)
        .load(conn)?)
}

pub fn insert(conn: &mut DbConn, r: &RequiredCourse) -> Result<(), AppError> {
    diesel::insert_into(required_courses::table)
        .values(r)
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str) -> Result<(), AppError> {
    diesel::delete(required_courses::table.find(id)).execute(conn)?;
    Ok(())
}

/// One page (`page.fetch()` rows) of courses, in id order.
pub fn courses_page(conn: &mut DbConn, page: &PageRequest) -> Result<Vec<CourseRow>, AppError> {
    let mut s = courses::table.select(CourseRow::as_select()).into_boxed();
    if let Some(after) = &page.after {
        s = s.filter(courses::id.gt(after.clone()));
    }
    Ok(s.order(courses::id.asc()).limit(page.fetch()).load(conn)?)
}

/// Completions of these courses, counted by whether the course was accredited on the day.
pub fn completion_counts(
    conn: &mut DbConn,
    courses: &[&str],
) -> Result<Vec<(String, Option<bool>, i64)>, AppError> {
    Ok(training_records::table
        .filter(training_records::course_id.eq_any(courses))
        .filter(training_records::status.eq(TrainingStatus::Completed))
        .group_by((
            training_records::course_id,
            training_records::course_accredited_at_completion,
        ))
        .select((
            training_records::course_id,
            training_records::course_accredited_at_completion,
            count_star(),
        ))
        .load(conn)?)
}

/// The requirements of these courses in the scope, in id order.
pub fn of_courses(
    conn: &mut DbConn,
    courses: &[&str],
    scope: &PeopleScope,
) -> Result<Vec<RequiredCourse>, AppError> {
    let mut q = required_courses::table
        .filter(required_courses::course_id.eq_any(courses))
        .select(RequiredCourse::as_select())
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        q = q.filter(required_courses::service_id.eq(id.clone()));
    }
    Ok(q.order(required_courses::id.asc()).load(conn)?)
}
