//! Invitations: the emailed link with which a new person sets their password.

use chrono::NaiveDateTime;

use super::queries::{self, PersonRow, PersonWithModality};
use super::{visible, Person};
use crate::audit;
use crate::auth::policy::{can_manage_people_of, Caller};
use crate::auth::session;
use crate::auth::tokens::TokenKeys;
use crate::db::DbConn;
use crate::error::AppError;

/// Opens an invitation and queues its email in the outbox, in the caller's transaction:
/// answers the delivery to send once the transaction commits, and the expiry.
pub(crate) fn queue_invitation(
    conn: &mut DbConn,
    keys: &TokenKeys,
    person: &PersonRow,
    ttl_days: i64,
    now: NaiveDateTime,
) -> Result<(String, NaiveDateTime), AppError> {
    let from = crate::outbox::senders::sender(conn, person.service_id.as_deref())?;
    queue_invitation_from(conn, keys, person, ttl_days, now, &from)
}

/// As [`queue_invitation`], from a sender already looked up (an import invites many people of
/// a few services).
pub(crate) fn queue_invitation_from(
    conn: &mut DbConn,
    keys: &TokenKeys,
    person: &PersonRow,
    ttl_days: i64,
    now: NaiveDateTime,
    from: &crate::mail::Sender,
) -> Result<(String, NaiveDateTime), AppError> {
    let (invitation, expires_at) = session::invite(conn, keys, &person.id, ttl_days, now)?;
    let email = crate::mail::invitation(
        &person.email,
        &person.full_name,
        crate::outbox::INVITATION_LINK,
        &expires_at,
        from,
    )?;
    let delivery = crate::outbox::queue_invitation(conn, &invitation, &person.id, &email, now)?;
    Ok((delivery, expires_at))
}

/// A person just created, and the invitation queued for them when they have no password yet
/// (its delivery id and expiry), to send once the transaction commits.
pub type Created = (PersonWithModality, Option<(String, NaiveDateTime)>);

/// How invitations are made: the token keys and how long a link lasts.
#[derive(Clone)]
pub struct Inviting {
    pub keys: std::sync::Arc<TokenKeys>,
    pub ttl_days: i64,
}

/// Opens a new invitation for a person who has not set a password yet (earlier links stop
/// working): answers the person, the delivery to send and the expiry.
pub fn reinvite(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    inviting: &Inviting,
    at: NaiveDateTime,
) -> Result<(Person, String, NaiveDateTime), AppError> {
    let found = visible(conn, caller, id)?;
    if !can_manage_people_of(caller, found.0.service_id.as_deref()) {
        return Err(AppError::needs(crate::auth::policy::SERVICE_MANAGERS));
    }
    if queries::is_external(conn, id)? {
        return Err(AppError::Conflict(
            "this is a supervisor from outside the service: they never sign in, and countersign through emailed links".into(),
        ));
    }
    if !found.0.active || queries::has_password(conn, id)? {
        return Err(AppError::Conflict(
            "this person has already set a password or is deactivated".into(),
        ));
    }
    let (delivery, expires_at) =
        queue_invitation(conn, &inviting.keys, &found.0, inviting.ttl_days, at)?;
    audit::of(&caller.id, "practitioner", id)
        .in_service(found.0.service_id.as_deref())
        .action(
            conn,
            "invite",
            None,
            Some(serde_json::json!({"invitation_expires_at": crate::app::rfc3339(&expires_at)})),
            at,
        )?;
    Ok((Person::view(found, false), delivery, expires_at))
}
