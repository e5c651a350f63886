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

/// The declarations of these credentials, in one query.
pub fn declarations_of(conn: &mut DbConn, ids: &[&str]) -> Result<Vec<Declaration>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(accreditation_declarations::table
        .filter(accreditation_declarations::accreditation_id.eq_any(ids))
        .order((
            accreditation_declarations::declared_on.asc(),
            accreditation_declarations::id.asc(),
        ))
        .select(Declaration::as_select())
        .load(conn)?)
}

/// The leaves of these people, in one query.
pub fn leaves_of_people(
    conn: &mut DbConn,
    people: &[&str],
) -> Result<Vec<LeaveOfAbsence>, AppError> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    Ok(leaves_of_absence::table
        .filter(leaves_of_absence::practitioner_id.eq_any(people))
        .order((
            leaves_of_absence::starts_on.asc(),
            leaves_of_absence::id.asc(),
        ))
        .select(LeaveOfAbsence::as_select())
        .load(conn)?)
}

/// Which of these people are on leave on `day`, in one query.
pub fn on_leave(
    conn: &mut DbConn,
    people: &[&str],
    day: NaiveDate,
) -> Result<Vec<String>, AppError> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    Ok(leaves_of_absence::table
        .filter(leaves_of_absence::practitioner_id.eq_any(people))
        .filter(leaves_of_absence::starts_on.le(day))
        .filter(leaves_of_absence::ends_on.ge(day))
        .select(leaves_of_absence::practitioner_id)
        .distinct()
        .load(conn)?)
}

/// Every credential of these people of these kinds: the ones others align with.
pub fn of_people_and_kinds(
    conn: &mut DbConn,
    people: &[&str],
    kinds: &[&str],
) -> Result<Vec<AccreditationRow>, AppError> {
    if people.is_empty() || kinds.is_empty() {
        return Ok(Vec::new());
    }
    Ok(accreditations::table
        .filter(accreditations::practitioner_id.eq_any(people))
        .filter(accreditations::kind.eq_any(kinds))
        .select(AccreditationRow::as_select())
        .load(conn)?)
}
