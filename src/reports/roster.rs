//! The people list filtered by supervision compliance: the `/people` page's "Supervision"
//! filter. Compliance lives in `supervision`, which reads `people`, so the two meet here rather
//! than in either: the people with some required type in the state asked for, then the people
//! list among them, with every other filter as `GET /practitioners` takes it.

use chrono::NaiveDate;

use crate::auth::policy::{people_scope, Caller, PEOPLE_READERS};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;
use crate::people::{list_people_among, PeopleQuery, Person};
use crate::supervision::rules::ComplianceStatus;

/// One page of the people the caller may list, only those with some required supervision
/// type `compliance` today when it is given (`compliant`, `due_soon` or `overdue`).
pub fn people_by_compliance(
    conn: &mut DbConn,
    caller: &Caller,
    q: PeopleQuery,
    compliance: Option<&str>,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<Vec<Person>, AppError> {
    let Some(raw) = compliance else {
        return list_people_among(conn, caller, q, page, today, None);
    };
    let wanted = ComplianceStatus::parse(raw).ok_or_else(|| {
        AppError::invalid(
            "compliance_status",
            "must be compliant, due_soon or overdue",
        )
    })?;
    let scope = people_scope(caller).ok_or_else(|| AppError::needs(PEOPLE_READERS))?;
    let among = crate::supervision::compliance::people_with_status(
        conn,
        &scope,
        q.service_id.as_deref(),
        wanted,
        today,
    )?;
    list_people_among(conn, caller, q, page, today, Some(among))
}
