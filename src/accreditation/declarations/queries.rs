//! Declaration and leave queries: diesel only.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Declaration, LeaveOfAbsence};
use crate::accreditation::credentials::AccreditationRow;
use crate::db::schema::{accreditation_declarations, accreditations, leaves_of_absence};
use crate::db::DbConn;
use crate::error::AppError;

pub fn insert_declaration(conn: &mut DbConn, d: &Declaration) -> Result<(), AppError> {
    diesel::insert_into(accreditation_declarations::table)
        .values(d)
        .execute(conn)?;
    Ok(())
}

pub fn insert_leave(conn: &mut DbConn, l: &LeaveOfAbsence) -> Result<(), AppError> {
    diesel::insert_into(leaves_of_absence::table)
        .values(l)
        .execute(conn)?;
    Ok(())
}

pub fn find_declaration(conn: &mut DbConn, id: &str) -> Result<Option<Declaration>, AppError> {
    Ok(accreditation_declarations::table
        .find(id)
        .select(Declaration::as_select())
        .first(conn)
        .optional()?)
}

/// Records the check of a declaration nobody has checked yet: false when someone already has.
pub fn verify_declaration(conn: &mut DbConn, d: &Declaration) -> Result<bool, AppError> {
    let n = diesel::update(
        accreditation_declarations::table
            .find(&d.id)
            .filter(accreditation_declarations::verified_at.is_null()),
    )
    .set((
        accreditation_declarations::verified_by.eq(&d.verified_by),
        accreditation_declarations::verified_at.eq(d.verified_at),
        accreditation_declarations::verification_method.eq(d.verification_method),
        accreditation_declarations::verification_reference.eq(&d.verification_reference),
        accreditation_declarations::updated_at.eq(d.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ids bound in one statement at most: SQLite allows 32,766 bound values, and the scan of a
/// whole registry asks about every credential.
const CHUNK: usize = 10_000;

/// The declarations of these credentials: one query per 10,000.
pub fn declarations_of(conn: &mut DbConn, ids: &[&str]) -> Result<Vec<Declaration>, AppError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            accreditation_declarations::table
                .filter(accreditation_declarations::accreditation_id.eq_any(chunk))
                .order((
                    accreditation_declarations::declared_on.asc(),
                    accreditation_declarations::id.asc(),
                ))
                .select(Declaration::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The leaves of these people: one query per 10,000.
pub fn leaves_of_people(
    conn: &mut DbConn,
    people: &[&str],
) -> Result<Vec<LeaveOfAbsence>, AppError> {
    let mut out = Vec::new();
    for chunk in people.chunks(CHUNK) {
        out.extend(
            leaves_of_absence::table
                .filter(leaves_of_absence::practitioner_id.eq_any(chunk))
                .order((
                    leaves_of_absence::starts_on.asc(),
                    leaves_of_absence::id.asc(),
                ))
                .select(LeaveOfAbsence::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Which of these people are on leave on `day`: one query per 10,000.
pub fn on_leave(
    conn: &mut DbConn,
    people: &[&str],
    day: NaiveDate,
) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for chunk in people.chunks(CHUNK) {
        out.extend(
            leaves_of_absence::table
                .filter(leaves_of_absence::practitioner_id.eq_any(chunk))
                .filter(leaves_of_absence::starts_on.le(day))
                .filter(leaves_of_absence::ends_on.ge(day))
                .select(leaves_of_absence::practitioner_id)
                .distinct()
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}

/// Every credential of these people of these kinds (the ones others align with): one query
/// per 10,000 people.
pub fn of_people_and_kinds(
    conn: &mut DbConn,
    people: &[&str],
    kinds: &[&str],
) -> Result<Vec<AccreditationRow>, AppError> {
    let mut out = Vec::new();
    if kinds.is_empty() {
        return Ok(out);
    }
    for chunk in people.chunks(CHUNK) {
        out.extend(
            accreditations::table
                .filter(accreditations::practitioner_id.eq_any(chunk))
                .filter(accreditations::kind.eq_any(kinds))
                .select(AccreditationRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
