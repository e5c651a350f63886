//! Workforce reports for training leads: the workforce census (skill mix, starters, leavers,
//! turnover) and representation (equality data in aggregate, small counts suppressed).
//! Both read the practitioners a thousand at a time, keeping only the running tallies, so a
//! large registry is never loaded whole; their answers are aggregates, one page long.

pub mod representation;
pub mod suppression;
pub mod workforce;

use std::collections::HashMap;

use actix_web::web;
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::auth::policy::PeopleScope;
use crate::db::schema::{practitioner_roles, services, users};
use crate::db::DbConn;
use crate::http::{resource, AppError};

/// What the reports need of a practitioner.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct PostRow {
    pub id: String,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<String>,
    pub wte: Option<f64>,
    pub started_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub active: bool,
    pub ethnicity: Option<String>,
    pub languages: String,
    pub specialist_interests: String,
}

const BATCH: i64 = 1000;

/// Calls `f` on every practitioner (of one service, or all) who was in post at some time from
/// `from` to `to` by their dates (started by `to`, not left before `from`), a batch at a time.
pub fn for_each_practitioner(
    conn: &mut DbConn,
    service: Option<&str>,
    (from, to): (NaiveDate, NaiveDate),
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
        let rows: Vec<PostRow> = q.order(users::id.asc()).limit(BATCH).load(conn)?;
        rows.iter().for_each(&mut f);
        if (rows.len() as i64) < BATCH {
            return Ok(());
        }
        after = rows.last().map(|r| r.id.clone());
    }
}

/// The service a report covers: a training lead's own (another one is a 403), or for admins
/// the one asked for, if any.
pub fn service_in_scope(
    scope: PeopleScope,
    asked: Option<String>,
) -> Result<Option<String>, AppError> {
    match (scope, asked) {
        (PeopleScope::Service(mine), Some(asked)) if asked != mine => Err(AppError::forbidden()),
        (PeopleScope::Service(mine), _) => Ok(Some(mine)),
        (PeopleScope::All, asked) => Ok(asked),
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/reports/workforce", "GET").route(web::get().to(workforce::report)))
        .service(
            resource("/reports/representation", "GET").route(web::get().to(representation::report)),
        );
}
