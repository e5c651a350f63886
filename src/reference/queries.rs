//! Reference data queries: diesel only.

use diesel::prelude::*;

use super::{Body, Modality};
use crate::db::schema::{accreditation_bodies, modalities, practitioner_roles};
use crate::db::DbConn;
use crate::error::AppError;

pub fn bodies(conn: &mut DbConn) -> Result<Vec<Body>, AppError> {
    Ok(accreditation_bodies::table
        .select((accreditation_bodies::code, accreditation_bodies::name))
        .order(accreditation_bodies::code)
        .load(conn)?)
}

pub fn modalities(conn: &mut DbConn) -> Result<Vec<Modality>, AppError> {
    Ok(modalities::table
        .select((modalities::code, modalities::name, modalities::body_code))
        .order(modalities::code)
        .load(conn)?)
}

/// The modality a practitioner role practises, or `None` for an unknown role.
pub fn modality_of_role(conn: &mut DbConn, role: &str) -> Result<Option<String>, AppError> {
    Ok(practitioner_roles::table
        .find(role)
        .select(practitioner_roles::modality_code)
        .first(conn)
        .optional()?)
}
