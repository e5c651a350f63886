//! What an import looks up once for a whole file.

use diesel::prelude::*;

use crate::db::schema::{practitioner_roles, services};
use crate::db::DbConn;
use crate::error::AppError;

/// Every service's id and name (a registry has tens, not thousands).
pub fn services(conn: &mut DbConn) -> Result<Vec<(String, String)>, AppError> {
    Ok(services::table
        .select((services::id, services::name))
        .load(conn)?)
}

/// The practitioner roles the registry knows: code and name.
pub fn practitioner_roles(conn: &mut DbConn) -> Result<Vec<(String, String)>, AppError> {
    Ok(practitioner_roles::table
        .select((practitioner_roles::code, practitioner_roles::name))
        .load(conn)?)
}
