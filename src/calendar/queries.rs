//! Calendar feed queries: diesel only.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    accreditations, calendar_feeds, competencies, competency_assessments, users,
};
use crate::db::DbConn;
use crate::error::AppError;

/// A credential period: id, body, kind, membership number, expiry.
pub type CredentialDate = (String, String, String, String, NaiveDate);
/// A sign-off: competence id, code, title, review date.
pub type ReviewDate = (String, String, String, Option<NaiveDate>);

/// A person's feed: its nonce, the secret's digest and when it was made.
pub fn find(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Option<(String, String, NaiveDateTime)>, AppError> {
    Ok(calendar_feeds::table
        .find(user_id)
        .select((
            calendar_feeds::nonce,
            calendar_feeds::secret_hash,
            calendar_feeds::created_at,
        ))
        .first(conn)
        .optional()?)
}

pub fn set_hash(conn: &mut DbConn, user_id: &str, hash: &str) -> Result<(), AppError> {
    diesel::update(calendar_feeds::table.find(user_id))
        .set(calendar_feeds::secret_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// Writes a person's feed: a new one, or in place of the one they had.
pub fn put(
    conn: &mut DbConn,
    user_id: &str,
    nonce: &str,
    hash: &str,
    at: NaiveDateTime,
    replacing: bool,
) -> Result<(), AppError> {
    if replacing {
        diesel::update(calendar_feeds::table.find(user_id))
            .set((
                calendar_feeds::nonce.eq(nonce),
                calendar_feeds::secret_hash.eq(hash),
                calendar_feeds::created_at.eq(at),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(calendar_feeds::table)
            .values((
                calendar_feeds::user_id.eq(user_id),
                calendar_feeds::nonce.eq(nonce),
                calendar_feeds::secret_hash.eq(hash),
                calendar_feeds::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn service_of(conn: &mut DbConn, user_id: &str) -> Result<Option<String>, AppError> {
    Ok(users::table
        .find(user_id)
        .select(users::service_id)
        .first(conn)?)
}

/// The active person whose feed secret has this digest: id and name.
pub fn owner(conn: &mut DbConn, hash: &str) -> Result<Option<(String, String)>, AppError> {
    Ok(calendar_feeds::table
        .inner_join(users::table)
        .filter(calendar_feeds::secret_hash.eq(hash))
        .filter(users::active.eq(true))
        .select((users::id, users::full_name))
        .first(conn)
        .optional()?)
}

/// A person's credential periods, oldest first: id, body, kind, number, expiry.
pub fn credentials(conn: &mut DbConn, user_id: &str) -> Result<Vec<CredentialDate>, AppError> {
    Ok(accreditations::table
        .filter(accreditations::practitioner_id.eq(user_id))
        .order((accreditations::valid_from.asc(), accreditations::id.asc()))
        .select((
            accreditations::id,
            accreditations::body_code,
            accreditations::kind,
            accreditations::membership_number,
            accreditations::expires_on,
        ))
        .load(conn)?)
}

/// A person's sign-offs of competences in use, oldest first: competence, code, title, review.
pub fn reviews(conn: &mut DbConn, user_id: &str) -> Result<Vec<ReviewDate>, AppError> {
    Ok(competency_assessments::table
        .inner_join(competencies::table)
        .filter(competency_assessments::practitioner_id.eq(user_id))
        .filter(competencies::retired_at.is_null())
        .order((
            competency_assessments::assessed_on.asc(),
            competency_assessments::created_at.asc(),
        ))
        .select((
            competency_assessments::competency_id,
            competencies::code,
            competencies::title,
            competency_assessments::review_due_on,
        ))
        .load(conn)?)
}
