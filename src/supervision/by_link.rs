//! Countersigning from an emailed link, without signing in. The link is random, kept only as a
//! hash, bound to one supervisor and to the logs it names, and works for 7 days or until each
//! is decided (`auth::session::open_sign_off_links`). Opening it only shows; acting on it is
//! the same sign-off or rejection as a signed-in supervisor's, audited as that supervisor with
//! an action that says it came through the email link.

use chrono::NaiveDateTime;

use super::model::{BulkSignOff, LogView, Rejection, SupervisionLog};
use super::review::{review_via, sign_off_all_via, Via};
use super::rules::LogStatus;
use super::{compliance, queries};
use crate::auth::policy::{can_review_log, link_covers, roles_from_text, Caller};
use crate::auth::session;
use crate::auth::tokens::TokenKeys;
use crate::db::DbConn;
use crate::error::AppError;

/// What a link opens: whose it is, and the logs it still offers (those it names that still
/// name its supervisor and wait), oldest first.
pub struct LinkQueue {
    pub supervisor: Caller,
    pub logs: Vec<LogView>,
}

/// What a link's form asks for.
pub enum LinkAction {
    SignOff(Vec<String>),
    Reject { id: String, reason: String },
}

/// The supervisor a link stands in for, and the logs it names; `None` when it does not work
/// (unknown, expired, or its supervisor deactivated).
fn resolve(
    conn: &mut DbConn,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<(Caller, Vec<String>)>, AppError> {
    let Some((link, supervisor, named)) = session::sign_off_link(conn, secret, now)? else {
        return Ok(None);
    };
    let Some((p, _)) = crate::people::queries::find(conn, &supervisor)? else {
        return Ok(None);
    };
    let caller = Caller {
        id: p.id,
        email: p.email,
        full_name: p.full_name,
        roles: roles_from_text(&p.roles),
        service_id: p.service_id,
        session_id: format!("email-link:{link}"),
    };
    Ok(Some((caller, named)))
}

/// The logs a link offers now; `None` when the link does not work. Changes nothing.
pub fn link_queue(
    conn: &mut DbConn,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<LinkQueue>, AppError> {
    let Some((supervisor, named)) = resolve(conn, secret, now)? else {
        return Ok(None);
    };
    let mut waiting: Vec<SupervisionLog> = queries::find_logs(conn, &named)?
        .into_iter()
        .map(|(log, _)| log)
        .filter(|l| {
            l.status == LogStatus::Submitted && can_review_log(&supervisor, &l.supervisor_id)
        })
        .collect();
    waiting.sort_by(|a, b| (a.held_on, &a.id).cmp(&(b.held_on, &b.id)));
    let logs = compliance::with_warnings(conn, waiting)?;
    Ok(Some(LinkQueue { supervisor, logs }))
}

/// Signs off the checked logs (all or nothing) or rejects one, through a link: answers how many
/// logs were decided, or `None` when the link does not work. A log the link does not name is
/// answered as unknown.
pub fn act_by_link(
    conn: &mut DbConn,
    secret: &str,
    action: LinkAction,
    now: NaiveDateTime,
) -> Result<Option<usize>, AppError> {
    let Some((supervisor, named)) = resolve(conn, secret, now)? else {
        return Ok(None);
    };
    let unknown = |id: &str| {
        AppError::NotFoundNamed(format!(
            "no log {id} that this link may decide; nothing was changed"
        ))
    };
    match action {
        LinkAction::SignOff(ids) => {
            let ids = super::bulk_ids(&BulkSignOff { ids })?;
            if let Some(id) = ids.iter().find(|id| !link_covers(&named, id)) {
                return Err(unknown(id));
            }
            let done = sign_off_all_via(conn, &supervisor, &ids, now, Via::EmailLink)?;
            Ok(Some(done.len()))
        }
        LinkAction::Reject { id, reason } => {
            let reason = super::checks::rejection_reason(&Rejection { reason })?;
            if !link_covers(&named, &id) {
                return Err(unknown(&id));
            }
            let outcome = (LogStatus::Rejected, Some(reason.as_str()));
            review_via(conn, &supervisor, &id, outcome, now, Via::EmailLink)?;
            Ok(Some(1))
        }
    }
}

/// When a log names a supervisor from outside the service, emails them a link to countersign
/// it (queued in the caller's transaction, sent by the outbox with the link filled in then):
/// answers the delivery to send at once.
pub fn ask_external(
    conn: &mut DbConn,
    keys: &TokenKeys,
    log: &SupervisionLog,
    service: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<String>, AppError> {
    if !crate::people::queries::is_external(conn, &log.supervisor_id)? {
        return Ok(None);
    }
    let (Some((sup, _)), Some((supervisee, _))) = (
        crate::people::queries::find(conn, &log.supervisor_id)?,
        crate::people::queries::find(conn, &log.supervisee_id)?,
    ) else {
        return Err(AppError::internal("a log names a person who is not there"));
    };
    let links =
        session::open_sign_off_links(conn, keys, &[(sup.id.as_str(), vec![log.id.as_str()])], now)?;
    let link = links
        .first()
        .ok_or_else(|| AppError::internal("no sign-off link was opened"))?;
    let expires_at = now + chrono::Duration::days(session::SIGN_OFF_LINK_DAYS);
    let from = crate::outbox::senders::sender(conn, service)?;
    let mail = crate::mail::sign_off_request(
        &sup.email,
        &sup.full_name,
        &supervisee.full_name,
        log.held_on,
        crate::outbox::INVITATION_LINK,
        &expires_at,
        &from,
    )?;
    let what = crate::outbox::LinkMail {
        kind: "sign_off_request",
        summary: "A supervision session to countersign",
    };
    crate::outbox::queue_link(conn, link, &sup.id, &mail, &what, now).map(Some)
}
