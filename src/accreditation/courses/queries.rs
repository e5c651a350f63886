//! Course queries: diesel only.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::CourseRow;
use crate::accreditation::rules::{CourseStatus, EXPIRING_DAYS};
use crate::db::schema::{courses, modalities, required_courses, training_records, users};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CourseRow>, AppError> {
    Ok(courses::table
        .find(id)
        .select(CourseRow::as_select())
        .first(conn)
        .optional()?)
}

/// The body that accredits a modality's courses; `None` for an unknown modality.
pub fn accrediting_body(conn: &mut DbConn, modality: &str) -> Result<Option<String>, AppError> {
    Ok(modalities::table
        .find(modality)
        .select(modalities::body_code)
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, row: &CourseRow) -> Result<(), AppError> {
    diesel::insert_into(courses::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &CourseRow) -> Result<(), AppError> {
    diesel::update(courses::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

/// The services whose people have training records on the course or that require it.
pub fn services_using(conn: &mut DbConn, course_id: &str) -> Result<Vec<String>, AppError> {
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

#[derive(Debug, Clone, Default)]
pub struct CourseFilter {
    pub modality: Option<String>,
    pub body: Option<String>,
    pub kind: Option<String>,
    pub status: Option<CourseStatus>,
}

/// One page (`page.fetch()` rows) of courses, in id order.
pub fn list(
    conn: &mut DbConn,
    f: &CourseFilter,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<Vec<CourseRow>, AppError> {
    let mut s = courses::table.select(CourseRow::as_select()).into_boxed();
    if let Some(v) = &f.modality {
        s = s.filter(courses::modality_code.eq(v.clone()));
    }
    if let Some(v) = &f.body {
        s = s.filter(courses::body_code.eq(v.clone()));
    }
    if let Some(v) = &f.kind {
        s = s.filter(courses::kind.eq(v.clone()));
    }
    let soon = today + Duration::days(EXPIRING_DAYS);
    s = match f.status {
        Some(CourseStatus::Lapsed) => s.filter(courses::accredited_until.lt(today)),
        Some(CourseStatus::Expiring) => s
            .filter(courses::accredited_until.ge(today))
            .filter(courses::accredited_until.le(soon)),
        Some(CourseStatus::Accredited) => s.filter(courses::accredited_until.gt(soon)),
        None => s,
    };
    if let Some(after) = &page.after {
        s = s.filter(courses::id.gt(after.clone()));
    }
    Ok(s.order(courses::id.asc()).limit(page.fetch()).load(conn)?)
}
