//! Training record queries: diesel only.

use diesel::prelude::*;

use super::TrainingRecord;
use crate::accreditation::rules::TrainingStatus;
use crate::db::schema::training_records;
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<TrainingRecord>, AppError> {
    Ok(training_records::table
        .find(id)
        .select(TrainingRecord::as_select())
        .first(conn)
        .optional()?)
}

/// One page (`page.fetch()` rows) of a person's records, in id order.
pub fn of_person(
    conn: &mut DbConn,
    person: &str,
    status: Option<TrainingStatus>,
    page: &PageRequest,
) -> Result<Vec<TrainingRecord>, AppError> {
    let mut s = training_records::table
        .filter(training_records::practitioner_id.eq(person))
        .select(TrainingRecord::as_select())
        .into_boxed();
    if let Some(v) = status {
        s = s.filter(training_records::status.eq(v));
    }
    if let Some(after) = &page.after {
        s = s.filter(training_records::id.gt(after.clone()));
    }
    Ok(s.order(training_records::id.asc())
        .limit(page.fetch())
        .load(conn)?)
}

pub fn insert(conn: &mut DbConn, r: &TrainingRecord) -> Result<(), AppError> {
    diesel::insert_into(training_records::table)
        .values(r)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, r: &TrainingRecord) -> Result<(), AppError> {
    diesel::update(training_records::table.find(&r.id))
        .set(r)
        .execute(conn)?;
    Ok(())
}
