//! Workforce reports for training leads: the workforce census (skill mix, starters, leavers,
//! turnover) and representation (equality data in aggregate, small counts suppressed).
//! Both read the practitioners a thousand at a time, keeping only the running tallies, so a
//! large registry is never loaded whole; their answers are aggregates, one page long.

pub mod dashboard;
pub mod queries;
pub mod representation;
pub mod roster;
pub mod routes;
pub mod suppression;
pub mod workforce;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::auth::policy::{report_service, PeopleScope};
use crate::db::schema::users;
use crate::error::AppError;
pub use routes::routes;

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

/// The service a report covers: a training lead's own (another one is a 403), or for admins
/// the one asked for, if any.
pub fn service_in_scope(
    scope: PeopleScope,
    asked: Option<String>,
) -> Result<Option<String>, AppError> {
    report_service(scope, asked).ok_or_else(|| {
        AppError::Forbidden("a training lead reports on their own service only".into())
    })
}
