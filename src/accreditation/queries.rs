//! Queries the whole accreditation domain shares: diesel only.

use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::DbConn;
use crate::error::AppError;

/// A person's service (`Some(None)`: they have none); `None` for no such person.
pub fn service_of(conn: &mut DbConn, person: &str) -> Result<Option<Option<String>>, AppError> {
    Ok(users::table
        .find(person)
        .select(users::service_id)
        .first(conn)
        .optional()?)
}
