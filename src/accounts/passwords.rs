//! Passwords: set once from an emailed link (an invitation, a reset), reset when forgotten,
//! changed by the signed-in person. Every change is audited without the secret; a reset or a
//! change ends the person's other sessions.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{limits, token_pair, TokenPair};
use crate::app::AppState;
use crate::audit;
use crate::auth::policy::Caller;
use crate::auth::session::{self, LinkPurpose};
use crate::auth::{throttle, valid_password};
use crate::error::{validate, AppError};

/// How long a reset link works.
pub const RESET_LIFETIME_MINUTES: i64 = 60;

/// The one answer to a reset request, whether or not the email is anyone's.
pub const RESET_REQUESTED: &str =
    "if this email belongs to an account, a link to reset its password has been sent to it";

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[validate(length(min = 1, max = 320, message = "is required"))]
    #[schema(min_length = 1, max_length = 320)]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetRequested {
    pub detail: &'static str,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    #[validate(length(min = 1, max = 200, message = "is required"))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    #[validate(custom(function = "valid_password"))]
    pub password: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[validate(length(min = 1, max = 1024, message = "is required"))]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    #[validate(custom(function = "valid_password"))]
    pub new_password: String,
}

fn refused(purpose: LinkPurpose) -> AppError {
    AppError::BadRequest(match purpose {
        LinkPurpose::Invite => "this invitation is unknown, already used or expired".into(),
        LinkPurpose::Reset => {
            "this reset link is unknown, already used or expired; ask for a new one".into()
        }
        LinkPurpose::SignOff => "this link does not set a password".into(),
    })
}

/// Spends an emailed link and sets the password it is for, then opens a session. The link is
/// looked up before the password is hashed; tries are throttled per address. A reset ends
/// every other session of the person.
pub async fn redeem(
    state: &AppState,
    token: String,
    password: String,
    address: String,
    purpose: LinkPurpose,
) -> Result<TokenPair, AppError> {
    if purpose == LinkPurpose::SignOff {
        return Err(refused(purpose));
    }
    let now = state.clock.now();
    let address_key = throttle::token_address_key(&address);
    let limits = limits(state);
    let probe = token.clone();
    let (attempts, open) = state
        .write(move |conn| {
            let ids = throttle::begin_attempt(
                conn,
                &[(&address_key, limits.per_address)],
                limits.window_secs,
                now,
            )?;
            Ok((ids, session::link_is_open(conn, &probe, purpose, now)?))
        })
        .await?;
    if !open {
        return Err(refused(purpose));
    }
    let hash = super::unless_unchecked(state, &attempts, state.hashers.hash(password)).await?;
    let ttl = state.settings.refresh_token_ttl_days;
    let opened = state
        .write(move |conn| {
            let Some(user_id) = session::redeem_link(conn, &token, purpose, now)? else {
                return Ok(None);
            };
            throttle::forgive(conn, &attempts)?;
            crate::people::set_password(conn, &user_id, &hash, now)?;
            let action = match purpose {
                LinkPurpose::Invite => "accept_invite",
                LinkPurpose::Reset => {
                    session::revoke_all(conn, &user_id, now)?;
                    "reset_password"
                }
                LinkPurpose::SignOff => return Ok(None),
            };
            audit::of(&user_id, "user", &user_id).action(
                conn,
                action,
                None,
                Some(serde_json::json!({"password": "set"})),
                now,
            )?;
            let (session_id, refresh) = session::open(conn, &user_id, ttl, now)?;
            Ok(Some((user_id, session_id, refresh)))
        })
        .await?;
    let (user_id, session_id, refresh) = opened.ok_or_else(|| refused(purpose))?;
    state.callers.forget(&user_id);
    tracing::info!(user_id = %user_id, purpose = purpose.as_str(), "password set from an emailed link");
    token_pair(state, &user_id, &session_id, refresh)
}

/// Emails a one-time reset link to the account with this email, if there is one: the answer is
/// the same either way, and the email goes out after the answer (so its time does not tell).
/// Throttled per email and per address, whether or not the email is anyone's.
pub async fn request_reset(
    state: &AppState,
    body: ResetRequest,
    address: String,
) -> Result<(), AppError> {
    validate(&body)?;
    let now = state.clock.now();
    let email = body.email.trim().to_lowercase();
    let limits = limits(state);
    let (k1, k2) = (throttle::reset_key(&email), throttle::address_key(&address));
    let keys = state.tokens.clone();
    let delivery = state
        .write(move |conn| {
            throttle::begin_attempt(
                conn,
                &[(&k1, limits.per_account), (&k2, limits.per_address)],
                limits.window_secs,
                now,
            )?;
            let Some(found) = session::find_by_email(conn, &email)? else {
                return Ok(None);
            };
            // A supervisor from outside the service never signs in: no password to reset.
            if !found.active || crate::people::queries::is_external(conn, &found.user_id)? {
                return Ok(None);
            }
            let Some((person, _)) = crate::people::queries::find(conn, &found.user_id)? else {
                return Ok(None);
            };
            let lifetime = Duration::minutes(RESET_LIFETIME_MINUTES);
            let (link, expires_at) =
                session::open_link(conn, &keys, &person.id, LinkPurpose::Reset, lifetime, now)?;
            let from = crate::outbox::senders::sender(conn, person.service_id.as_deref())?;
            let mail = crate::mail::password_reset(
                &person.email,
                &person.full_name,
                crate::outbox::INVITATION_LINK,
                &expires_at,
                &from,
            )?;
            let what = crate::outbox::LinkMail {
                kind: "password_reset",
                summary: "A link to reset a forgotten password",
            };
            let delivery = crate::outbox::queue_link(conn, &link, &person.id, &mail, &what, now)?;
            audit::of(&person.id, "user", &person.id)
                .in_service(person.service_id.as_deref())
                .action(
                    conn,
                    "request_password_reset",
                    None,
                    Some(serde_json::json!({
                        "link_expires_at": crate::app::rfc3339(&expires_at)
                    })),
                    now,
                )?;
            Ok(Some(delivery))
        })
        .await?;
    if let Some(delivery) = delivery {
        let owned = state.clone();
        state.spawn_background(async move {
            if let Err(e) = crate::outbox::deliver_now(&owned, delivery).await {
                tracing::warn!(error = %e, "reset email not sent; the outbox will retry it");
            }
        });
    }
    Ok(())
}

/// Sets a new password from a reset link and signs in, ending every other session.
pub async fn confirm_reset(
    state: &AppState,
    body: ResetConfirm,
    address: String,
) -> Result<TokenPair, AppError> {
    validate(&body)?;
    redeem(
        state,
        body.token,
        body.password,
        address,
        LinkPurpose::Reset,
    )
    .await
}

/// The signed-in person changes their password with the current one. Wrong current passwords
/// count as failed logins for the account. Every other session of theirs ends.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    body: PasswordChange,
) -> Result<(), AppError> {
    validate(&body)?;
    let now = state.clock.now();
    let limits = limits(state);
    let email = caller.email.trim().to_lowercase();
    let key = throttle::account_key(&email);
    let (attempts, stored) = state
        .write(move |conn| {
            let ids = throttle::begin_attempt(
                conn,
                &[(&key, limits.per_account)],
                limits.window_secs,
                now,
            )?;
            let stored = session::find_by_email(conn, &email)?.and_then(|c| c.password_hash);
            Ok((ids, stored))
        })
        .await?;
    let matches = super::unless_unchecked(
        state,
        &attempts,
        state.hashers.verify(body.current_password, stored),
    )
    .await?;
    if !matches {
        return Err(AppError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    let hash =
        super::unless_unchecked(state, &attempts, state.hashers.hash(body.new_password)).await?;
    let (user_id, session_id, service) = (
        caller.id.clone(),
        caller.session_id.clone(),
        caller.service_id.clone(),
    );
    state
        .write(move |conn| {
            throttle::forgive(conn, &attempts)?;
            crate::people::set_password(conn, &user_id, &hash, now)?;
            session::revoke_others(conn, &user_id, &session_id, now)?;
            audit::of(&user_id, "user", &user_id)
                .in_service(service.as_deref())
                .action(
                    conn,
                    "change_password",
                    None,
                    Some(serde_json::json!({"password": "changed"})),
                    now,
                )
        })
        .await?;
    state.callers.forget(&caller.id);
    tracing::info!(user_id = %caller.id, "password changed");
    Ok(())
}
