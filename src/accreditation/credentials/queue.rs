//! The verification queue: credentials waiting for a check in the caller's scope, oldest
//! first, each saying whether the caller may record the check (nobody checks their own). The
//! API's `GET /verification-queue` and the `/verification` page both answer with it; the check
//! itself is `credentials::verify`, as `PATCH /accreditations/{id}`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{queries, with_cpd, Accreditation};
use crate::accreditation::Access;
use crate::auth::policy::{person_records, report_scope, Caller, Decision, LEADS_AND_ADMINS};
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// How many of the oldest to answer (1 to 500, default 100).
    pub limit: Option<i64>,
}

/// A credential waiting for a check, with whose it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Waiting {
    #[serde(flatten)]
    pub accreditation: Accreditation,
    pub full_name: String,
    pub service_id: Option<String>,
    /// Null when the caller may record the check; otherwise why not.
    pub cannot_verify: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationQueue {
    /// Oldest first.
    pub items: Vec<Waiting>,
    /// How many wait in all (the items are the oldest `limit`).
    pub total: i64,
}

/// The oldest credentials waiting for a check that the caller (a training lead: their
/// service's; an admin: everyone's) may see, in four queries.
pub fn verification_queue(
    conn: &mut DbConn,
    caller: &Caller,
    limit: Option<i64>,
    today: NaiveDate,
) -> Result<VerificationQueue, AppError> {
    let scope = report_scope(caller).ok_or_else(|| AppError::needs(LEADS_AND_ADMINS))?;
    let limit = limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 500"));
    }
    let (rows, total) = queries::waiting_oldest(conn, &scope, limit)?;
    let people: Vec<(String, Option<String>)> =
        rows.iter().map(|r| (r.1.clone(), r.2.clone())).collect();
    let views = with_cpd(conn, rows.into_iter().map(|r| r.0).collect(), today)?;
    let items = views
        .into_iter()
        .zip(people)
        .map(|(a, (full_name, service_id))| {
            let cannot_verify = match person_records(
                caller,
                &a.practitioner_id,
                service_id.as_deref(),
                Access::ManagerNotOwner,
            ) {
                Decision::Allowed => None,
                Decision::Forbidden(why) => Some(why.to_string()),
                Decision::Hidden => Some("this is for the training lead or an admin".into()),
            };
            Waiting {
                accreditation: a,
                full_name,
                service_id,
                cannot_verify,
            }
        })
        .collect();
    Ok(VerificationQueue { items, total })
}
