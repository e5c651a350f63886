//! The audit trail: every write records, in its own transaction, who did what to which record
//! with the values before and after. Secrets never reach it: records are audited through their
//! public views, which carry no password hashes or tokens.

pub mod chain;
pub mod queries;
pub mod record;
pub mod routes;
pub mod special;

use chrono::NaiveDateTime;

pub use queries::{AuditEvent, AuditQuery, Verification};
pub use record::{by_system, of, record, record_all, snapshot, Change, Entry};
pub use routes::routes;

use crate::auth::policy::{PeopleScope, SpecialCategoryView};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

/// One page of the trail as the caller may see it: special-category values redacted, or, for a
/// reveal, shown and each reading recorded against the person whose data it was (call inside a
/// write transaction then).
pub fn read_events(
    conn: &mut DbConn,
    caller_id: &str,
    scope: &PeopleScope,
    q: &AuditQuery,
    page: &PageRequest,
    view: SpecialCategoryView,
    at: NaiveDateTime,
) -> Result<Vec<AuditEvent>, AppError> {
    let mut rows = queries::list(conn, scope, q, page)?;
    match view {
        SpecialCategoryView::Reveal => {
            let shown = rows.len().min(page.limit as usize);
            special::record_reads(conn, caller_id, &special::revealed(&rows[..shown]), at)?;
        }
        SpecialCategoryView::Redact => rows.iter_mut().for_each(special::redact_event),
    }
    Ok(rows)
}
