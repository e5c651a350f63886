//! What a practitioner's and a supervisor's pages show beside the API's own answers: the
//! supervisors a practitioner may name (and why not the others), a supervisor's queue oldest
//! first, and their supervisees' compliance side by side. Each is built from the rules the API
//! uses (`check_supervisor`'s standing, `with_warnings`, `compliance_with`), never a copy.

use chrono::{Duration, NaiveDate};

use super::compliance;
use super::model::{ComplianceItem, LogView, Subject};
use super::queries;
use crate::auth::policy::Caller;
use crate::db::DbConn;
use crate::error::AppError;

/// The most logs a queue shows at once (as many as one sign-off may name).
pub const QUEUE_LIMIT: i64 = 200;

/// A supervisor a practitioner could name, and what stops them being named.
#[derive(Debug, Clone)]
pub struct Choice {
    pub id: String,
    pub full_name: String,
    /// Empty when they may be named.
    pub missing: Vec<String>,
}

/// The supervisors of the caller's service (and those linked to it), each with what the
/// eligibility rule finds missing for the caller's modality. A caller with no service, or a
/// role without a modality, is offered the service's supervisors as they are.
pub fn supervisor_choices(
    conn: &mut DbConn,
    caller: &Caller,
    today: NaiveDate,
) -> Result<Vec<Choice>, AppError> {
    let Some(service) = caller.service_id.as_deref() else {
        return Ok(Vec::new());
    };
    let people: Vec<(String, String)> = queries::supervisors_in(conn, service)?
        .into_iter()
        .filter(|(id, _)| *id != caller.id)
        .collect();
    let role = queries::subject(conn, &caller.id)?.and_then(|s| s.practitioner_role);
    let modality = match role.as_deref() {
        Some(r) => crate::reference::modality_of_role(conn, r)?,
        None => None,
    };
    let mut standing = match &modality {
        Some(m) => {
            let pair: Vec<(String, String)> =
                crate::competences::eligibility::modality_bodies(conn)?
                    .into_iter()
                    .filter(|(code, _)| code == m)
                    .collect();
            let ids: Vec<&str> = people.iter().map(|(id, _)| id.as_str()).collect();
            crate::competences::eligibility::standing(conn, &ids, &pair, today)?
        }
        None => Default::default(),
    };
    Ok(people
        .into_iter()
        .map(|(id, full_name)| {
            let missing = modality
                .as_ref()
                .and_then(|m| standing.remove(&(id.clone(), m.clone())))
                .unwrap_or_default();
            Choice {
                id,
                full_name,
                missing,
            }
        })
        .collect())
}

/// The sessions waiting for the caller's countersignature, oldest first, with their warnings.
pub fn sign_off_queue(conn: &mut DbConn, caller: &Caller) -> Result<Vec<LogView>, AppError> {
    let logs = queries::waiting_for(conn, &caller.id, QUEUE_LIMIT)?;
    compliance::with_warnings(conn, logs)
}

/// The caller's supervisees (active people who named them on a session in the last 12
/// months, the people whose compliance a supervisor may see) with their compliance, by name.
pub fn supervisees(
    conn: &mut DbConn,
    caller: &Caller,
    today: NaiveDate,
) -> Result<Vec<(Subject, Vec<ComplianceItem>)>, AppError> {
    let ids = queries::supervisees_since(conn, &caller.id, today - Duration::days(365))?;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut subjects: Vec<Subject> = queries::active_subjects(conn, &refs)?;
    subjects.sort_by(|a, b| (&a.full_name, &a.id).cmp(&(&b.full_name, &b.id)));
    let mut items = compliance::compliance(conn, &subjects, today)?;
    Ok(subjects
        .into_iter()
        .map(|s| {
            let c = items.remove(&s.id).unwrap_or_default();
            (s, c)
        })
        .collect())
}
