//! External supervisors' queries: diesel only.

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{ExternalSupervisor, Registration};
use crate::db::schema::{accreditation_bodies, external_supervisors, services, users};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

pub fn registration(conn: &mut DbConn, id: &str) -> Result<Option<Registration>, AppError> {
    Ok(external_supervisors::table
        .find(id)
        .select(Registration::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, row: &Registration) -> Result<(), AppError> {
    diesel::insert_into(external_supervisors::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &Registration) -> Result<(), AppError> {
    diesel::update(external_supervisors::table.find(&row.user_id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

/// Records a verification unless one was recorded meanwhile: answers whether this one was.
pub fn verify(conn: &mut DbConn, row: &Registration) -> Result<bool, AppError> {
    let n = diesel::update(
        external_supervisors::table
            .find(&row.user_id)
            .filter(external_supervisors::verified_at.is_null()),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

pub fn body_exists(conn: &mut DbConn, code: &str) -> Result<bool, AppError> {
    Ok(
        diesel::select(diesel::dsl::exists(accreditation_bodies::table.find(code)))
            .get_result(conn)?,
    )
}

type ViewRow = (
    (String, String, String, Option<String>, bool),
    Option<String>,
    Registration,
    String,
);

/// Views of the external supervisors named, or one page of a service's (`None`: every
/// service's), in id order: two queries.
pub fn views(
    conn: &mut DbConn,
    ids: Option<&[String]>,
    service: Option<&str>,
    page: &PageRequest,
) -> Result<Vec<ExternalSupervisor>, AppError> {
    let mut q = users::table
        .inner_join(external_supervisors::table.inner_join(accreditation_bodies::table))
        .left_join(services::table)
        .select((
            (
                users::id,
                users::full_name,
                users::email,
                users::service_id,
                users::active,
            ),
            services::name.nullable(),
            Registration::as_select(),
            accreditation_bodies::name,
        ))
        .order(users::id.asc())
        .into_boxed();
    if let Some(ids) = ids {
        q = q.filter(users::id.eq_any(ids.to_vec()));
    }
    if let Some(s) = service {
        q = q.filter(users::service_id.eq(s.to_string()));
    }
    if let Some(after) = &page.after {
        q = q.filter(users::id.gt(after.clone()));
    }
    let rows: Vec<ViewRow> = q.limit(page.limit + 1).load(conn)?;
    let checkers: Vec<String> = rows
        .iter()
        .filter_map(|r| r.2.verified_by.clone())
        .collect();
    let names: HashMap<String, String> = if checkers.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(&checkers))
            .select((users::id, users::full_name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(
            |((id, full_name, email, service_id, active), service_name, r, body_name)| {
                ExternalSupervisor {
                    id,
                    full_name,
                    email,
                    service_id,
                    service_name,
                    active,
                    verified: r.verified_at.is_some(),
                    verified_by_name: r.verified_by.as_ref().and_then(|v| names.get(v).cloned()),
                    body: r.body_code,
                    body_name,
                    registration_number: r.registration_number,
                    verified_by: r.verified_by,
                    verified_at: r.verified_at,
                    verification_method: r.verification_method,
                    verification_reference: r.verification_reference,
                    created_at: r.created_at,
                }
            },
        )
        .collect())
}

/// Registrations of these people, by id (for an evidence pack's supervisors): one query.
pub fn registrations(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, Registration>, AppError> {
    Ok(external_supervisors::table
        .filter(external_supervisors::user_id.eq_any(ids))
        .select(Registration::as_select())
        .load::<Registration>(conn)?
        .into_iter()
        .map(|r| (r.user_id.clone(), r))
        .collect())
}
