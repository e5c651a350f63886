//! Deciding logs: the named supervisor signs them off (one, or many all or nothing) or
//! rejects one with a reason, signed in or through an emailed link (`by_link`).

use chrono::NaiveDateTime;

use super::model::{Rejection, SupervisionLog};
use super::rules::LogStatus;
use super::{audit_log, checks, queries, still_submitted, visible_log};
use crate::audit;
use crate::auth::policy::{can_review_log, can_view_log, Caller};
use crate::db::DbConn;
use crate::error::AppError;

/// The log as the caller's review leaves it, if the caller may review it: only the named
/// supervisor, and only while it is submitted.
fn reviewed(
    caller: &Caller,
    before: &SupervisionLog,
    outcome: LogStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<SupervisionLog, AppError> {
    if !can_review_log(caller, &before.supervisor_id) {
        return Err(AppError::Forbidden(
            "only the supervisor named on the log may sign it off or reject it".into(),
        ));
    }
    still_submitted(before)?;
    let mut log = before.clone();
    log.status = outcome;
    log.rejection_reason = reason.map(str::to_string);
    log.reviewed_at = Some(now);
    log.updated_at = now;
    Ok(log)
}

/// How a supervisor reached a log to decide it: signed in, or through an emailed link (the
/// audit trail says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    SignedIn,
    EmailLink,
}

fn review_action(outcome: LogStatus, via: Via) -> &'static str {
    match (outcome == LogStatus::SignedOff, via) {
        (true, Via::SignedIn) => "sign_off",
        (false, Via::SignedIn) => "reject",
        (true, Via::EmailLink) => "sign_off_by_email_link",
        (false, Via::EmailLink) => "reject_by_email_link",
    }
}

/// Signs off or rejects one log the caller is the named supervisor of, in the caller's transaction.
pub fn review(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    outcome: LogStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<SupervisionLog, AppError> {
    review_via(conn, caller, id, (outcome, reason), now, Via::SignedIn)
}

pub(super) fn review_via(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    (outcome, reason): (LogStatus, Option<&str>),
    now: NaiveDateTime,
    via: Via,
) -> Result<SupervisionLog, AppError> {
    let (before, service) = visible_log(conn, caller, id)?;
    let log = reviewed(caller, &before, outcome, reason, now)?;
    if !queries::update_log(conn, &log, LogStatus::Submitted)? {
        return Err(AppError::Conflict("this log changed meanwhile".into()));
    }
    audit_log(
        conn,
        &caller.id,
        review_action(outcome, via),
        Some(&before),
        Some(&log),
        service.as_deref(),
        now,
    )?;
    Ok(log)
}

/// Signs off every log named, or none: one query to load them, one to update them, and the audit
/// events appended together, however many there are.
pub fn sign_off_all(
    conn: &mut DbConn,
    caller: &Caller,
    ids: &[String],
    now: NaiveDateTime,
) -> Result<Vec<SupervisionLog>, AppError> {
    sign_off_all_via(conn, caller, ids, now, Via::SignedIn)
}

pub(super) fn sign_off_all_via(
    conn: &mut DbConn,
    caller: &Caller,
    ids: &[String],
    now: NaiveDateTime,
    via: Via,
) -> Result<Vec<SupervisionLog>, AppError> {
    let mut found: std::collections::HashMap<String, (SupervisionLog, Option<String>)> =
        queries::find_logs(conn, ids)?
            .into_iter()
            .map(|(log, service)| (log.id.clone(), (log, service)))
            .collect();
    let mut checked = Vec::with_capacity(ids.len());
    for id in ids {
        let missing = || {
            AppError::NotFoundNamed(format!(
                "no log {id} that you may sign off; nothing was signed off"
            ))
        };
        let (before, service) = found.remove(id).ok_or_else(missing)?;
        if !can_view_log(
            caller,
            &before.supervisee_id,
            &before.supervisor_id,
            service.as_deref(),
        ) {
            return Err(missing());
        }
        let after = reviewed(caller, &before, LogStatus::SignedOff, None, now)?;
        checked.push((before, after, service));
    }
    if queries::sign_off_logs(conn, ids, now)? != ids.len() {
        return Err(AppError::Conflict("a log changed meanwhile".into()));
    }
    let changes = checked
        .iter()
        .map(|(before, after, service)| {
            Ok(audit::of(&caller.id, "supervision_log", &after.id)
                .in_service(service.as_deref())
                .change(
                    review_action(LogStatus::SignedOff, via),
                    audit::snapshot(before)?,
                    audit::snapshot(after)?,
                ))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    audit::record_all(conn, changes, now)?;
    Ok(checked.into_iter().map(|(_, after, _)| after).collect())
}

/// The named supervisor rejects a submitted log, with a reason.
pub fn reject(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    input: Rejection,
    at: NaiveDateTime,
) -> Result<SupervisionLog, AppError> {
    let reason = checks::rejection_reason(&input)?;
    review(conn, caller, id, LogStatus::Rejected, Some(&reason), at)
}
