//! The cross-domain reports' queries: diesel only.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::PostRow;
use crate::db::schema::{practitioner_roles, services, users};
use crate::db::DbConn;
use crate::error::AppError;

pub const BATCH: i64 = 1000;

/// Calls `f` on every practitioner (of one service, or all) who was in post at some time from
/// `from` to `to` by their dates (started by `to`, not left before `from`), a batch at a time.
pub fn for_each_practitioner(
    conn: &mut DbConn,
    service: Option<&str>,
    period: (NaiveDate, NaiveDate),
    f: impl FnMut(&PostRow),
) -> Result<(), AppError> {
    in_batches(conn, service, period, BATCH, f)
}

/// As [`for_each_practitioner`], `batch` at a time (`i64::MAX`: in one query).
pub fn in_batches(
    conn: &mut DbConn,
    service: Option<&str>,
    (from, to): (NaiveDate, NaiveDate),
    batch: i64,
    mut f: impl FnMut(&PostRow),
) -> Result<(), AppError> {
    let mut after: Option<String> = None;
    loop {
        let mut q = users::table
            .filter(users::practitioner_role.is_not_null())
            .select(PostRow::as_select())
            .into_boxed();
        if let Some(s) = service {
            q = q.filter(users::service_id.eq(s.to_string()));
        }
        q = q
            .filter(users::started_on.le(to).or(users::started_on.is_null()))
            .filter(users::left_on.ge(from).or(users::left_on.is_null()));
        if let Some(a) = &after {
            q = q.filter(users::id.gt(a.clone()));
        }
        let rows: Vec<PostRow> = q.order(users::id.asc()).limit(batch).load(conn)?;
        rows.iter().for_each(&mut f);
        if (rows.len() as i64) < batch {
            return Ok(());
        }
        after = rows.last().map(|r| r.id.clone());
    }
}

/// Service names by id.
pub fn service_names(conn: &mut DbConn) -> Result<HashMap<String, String>, AppError> {
    Ok(services::table
        .select((services::id, services::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Each practitioner role's modality.
pub fn role_modalities(conn: &mut DbConn) -> Result<HashMap<String, String>, AppError> {
    Ok(practitioner_roles::table
        .select((practitioner_roles::code, practitioner_roles::modality_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
