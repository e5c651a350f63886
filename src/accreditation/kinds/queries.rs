//! Credential kind and modality queries: diesel only.

use diesel::prelude::*;

use super::CredentialKind;
use crate::db::schema::{accreditation_bodies, credential_kinds, modalities};
use crate::db::DbConn;
use crate::error::AppError;

pub fn body_exists(conn: &mut DbConn, code: &str) -> Result<bool, AppError> {
    Ok(accreditation_bodies::table
        .find(code)
        .select(accreditation_bodies::code)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

pub fn find_kind(
    conn: &mut DbConn,
    body: &str,
    code: &str,
) -> Result<Option<CredentialKind>, AppError> {
    Ok(credential_kinds::table
        .filter(credential_kinds::body_code.eq(body))
        .filter(credential_kinds::code.eq(code))
        .select(CredentialKind::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CredentialKind>, AppError> {
    Ok(credential_kinds::table
        .find(id)
        .select(CredentialKind::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn, body: Option<&str>) -> Result<Vec<CredentialKind>, AppError> {
    let mut q = credential_kinds::table
        .select(CredentialKind::as_select())
        .into_boxed();
    if let Some(b) = body {
        q = q.filter(credential_kinds::body_code.eq(b.to_string()));
    }
    Ok(
        q.order((credential_kinds::body_code, credential_kinds::code))
            .load(conn)?,
    )
}

pub fn insert(conn: &mut DbConn, kind: &CredentialKind) -> Result<(), AppError> {
    diesel::insert_into(credential_kinds::table)
        .values(kind)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, kind: &CredentialKind) -> Result<(), AppError> {
    diesel::update(credential_kinds::table.find(&kind.id))
        .set(kind)
        .execute(conn)?;
    Ok(())
}

pub fn modality(
    conn: &mut DbConn,
    code: &str,
) -> Result<Option<crate::reference::Modality>, AppError> {
    Ok(modalities::table
        .find(code)
        .select((modalities::code, modalities::name, modalities::body_code))
        .first(conn)
        .optional()?)
}

pub fn set_modality_body(conn: &mut DbConn, code: &str, body: &str) -> Result<(), AppError> {
    diesel::update(modalities::table.find(code))
        .set(modalities::body_code.eq(body))
        .execute(conn)?;
    Ok(())
}
