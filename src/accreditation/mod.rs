//! Accreditation: the credentials each body grants (data an admin edits), accredited courses,
//! training records, practitioners' accreditations with their verification, and CPD.

pub mod courses;
pub mod cpd;
pub mod credentials;
pub mod declarations;
pub mod duties;
pub mod kinds;
pub mod queries;
pub mod renewal;
pub mod required;
pub mod routes;
pub mod rules;
pub mod training;

pub use crate::auth::policy::Access;
use crate::auth::policy::{person_records, Caller, Decision};
use crate::db::DbConn;
use crate::error::AppError;
pub use kinds::{body_exists, find_kind, CredentialKind};
pub use routes::routes;

/// The person's service, once the caller is allowed `need` on their records. Someone the caller
/// may not see at all is a 404; seen but not allowed, a 403.
pub fn person_for(
    conn: &mut DbConn,
    caller: &Caller,
    person_id: &str,
    need: Access,
) -> Result<Option<String>, AppError> {
    let service = queries::service_of(conn, person_id)?.ok_or(AppError::NotFound)?;
    match person_records(caller, person_id, service.as_deref(), need) {
        Decision::Allowed => Ok(service),
        Decision::Forbidden(why) => Err(AppError::Forbidden(why.into())),
        Decision::Hidden => Err(AppError::NotFound),
    }
}
