//! Sessions and their refresh-token family, and invitations: the queries behind the auth routes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::policy::{roles_from_text, Caller};
use super::tokens::{digest, new_secret};
use crate::db::schema::{invitations, refresh_tokens, sessions, users};
use crate::db::DbConn;
use crate::error::AppError;

/// What login needs to know of an account, found by email.
pub struct LoginCandidate {
    pub user_id: String,
    pub password_hash: Option<String>,
    pub active: bool,
}

pub fn find_by_email(
    conn: &mut DbConn,
    email_lower: &str,
) -> Result<Option<LoginCandidate>, AppError> {
    let row: Option<(String, Option<String>, bool)> = users::table
        .filter(users::email_lower.eq(email_lower))
        .select((users::id, users::password_hash, users::active))
        .first(conn)
        .optional()?;
    Ok(row.map(|(user_id, password_hash, active)| LoginCandidate {
        user_id,
        password_hash,
        active,
    }))
}

/// The caller behind an access token: the user must be active and the session not revoked.
pub fn load_caller(
    conn: &mut DbConn,
    user_id: &str,
    session_id: &str,
) -> Result<Option<Caller>, AppError> {
    let row: Option<(String, String, String, String, Option<String>)> = users::table
        .inner_join(sessions::table)
        .filter(users::id.eq(user_id))
        .filter(users::active.eq(true))
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .select((
            users::id,
            users::email,
            users::full_name,
            users::roles,
            users::service_id,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, email, full_name, roles, service_id)| Caller {
        id,
        email,
        full_name,
        roles: roles_from_text(&roles),
        service_id,
        session_id: session_id.to_string(),
    }))
}

/// A new session and its first refresh token (returned in clear once, stored as a digest).
pub fn open(
    conn: &mut DbConn,
    user_id: &str,
    ttl_days: i64,
    now: NaiveDateTime,
) -> Result<(String, String), AppError> {
    let session_id = open_bare(conn, user_id, now)?;
    let secret = add_refresh_token(conn, &session_id, ttl_days, now)?;
    Ok((session_id, secret))
}

/// A new account session without a refresh token (a browser's: `web_session`).
pub fn open_bare(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> Result<String, AppError> {
    let session_id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&session_id),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(session_id)
}

fn add_refresh_token(
    conn: &mut DbConn,
    session_id: &str,
    ttl_days: i64,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let secret = new_secret();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(uuid::Uuid::now_v7().to_string()),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::token_hash.eq(digest(&secret)),
            refresh_tokens::expires_at.eq(now + chrono::Duration::days(ttl_days)),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(secret)
}

pub enum Refresh {
    /// A new refresh token in the same family.
    Rotated {
        user_id: String,
        session_id: String,
        refresh_token: String,
    },
    /// An already-used token came back: the family has been revoked.
    Reused { user_id: String },
    /// Unknown, expired, revoked, or its user is deactivated.
    Refused,
}

/// token id, session id, used at, expires at, session revoked at, user id, user active.
type TokenRow = (
    String,
    String,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
    bool,
);

/// Spends a refresh token. Reuse of a spent one revokes its whole family, since either the
/// holder or a thief has the newer one and there is no telling which.
pub fn rotate(
    conn: &mut DbConn,
    secret: &str,
    ttl_days: i64,
    now: NaiveDateTime,
) -> Result<Refresh, AppError> {
    let row: Option<TokenRow> = refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(digest(secret)))
        .select((
            refresh_tokens::id,
            refresh_tokens::session_id,
            refresh_tokens::used_at,
            refresh_tokens::expires_at,
            sessions::revoked_at,
            users::id,
            users::active,
        ))
        .first(conn)
        .optional()?;
    let Some((token_id, session_id, used_at, expires_at, revoked_at, user_id, active)) = row else {
        return Ok(Refresh::Refused);
    };
    if revoked_at.is_some() || !active || expires_at <= now {
        return Ok(Refresh::Refused);
    }
    if used_at.is_some() {
        revoke(conn, &session_id, now)?;
        tracing::warn!(user_id = %user_id, session_id = %session_id, "refresh token reused; session revoked");
        return Ok(Refresh::Reused { user_id });
    }
    let spent = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(&token_id))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    if spent != 1 {
        return Ok(Refresh::Refused);
    }
    let refresh_token = add_refresh_token(conn, &session_id, ttl_days, now)?;
    Ok(Refresh::Rotated {
        user_id,
        session_id,
        refresh_token,
    })
}

pub fn revoke(conn: &mut DbConn, session_id: &str, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(session_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a user (on deactivation).
pub fn revoke_all(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a person but one (the caller's own, after a password change).
pub fn revoke_others(
    conn: &mut DbConn,
    user_id: &str,
    keep: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

crate::db_enum! {
    /// What a one-time emailed link is for.
    pub enum LinkPurpose("link purpose") {
        /// An invitation to set a first password.
        Invite => "invite",
        /// A reset of a forgotten password.
        Reset => "reset",
        /// A supervisor's countersigning of the logs the link names, without signing in.
        SignOff => "sign_off",
    }
}

impl LinkPurpose {
    /// The path and query the emailed link opens, with its token.
    pub fn path_with(self, token: &str) -> String {
        match self {
            LinkPurpose::Invite => format!("/accept-invite?token={token}"),
            LinkPurpose::Reset => format!("/reset-password?token={token}"),
            LinkPurpose::SignOff => format!("/sign-off/{token}"),
        }
    }
}

/// How long an emailed sign-off link works.
pub const SIGN_OFF_LINK_DAYS: i64 = 7;

/// Opens one sign-off link for each (supervisor, logs): answers their ids in the same order.
/// Unlike a password link, an earlier one keeps working: each names its own logs. Two
/// multi-row inserts whatever the number (in chunks SQLite's bound-value limit allows).
pub fn open_sign_off_links(
    conn: &mut DbConn,
    keys: &crate::auth::tokens::TokenKeys,
    wanted: &[(&str, Vec<&str>)],
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    use crate::db::schema::sign_off_link_logs;
    let expires_at = now + chrono::Duration::days(SIGN_OFF_LINK_DAYS);
    let mut ids = Vec::with_capacity(wanted.len());
    let mut links = Vec::with_capacity(wanted.len());
    let mut members = Vec::new();
    for (supervisor, logs) in wanted {
        let id = uuid::Uuid::now_v7().to_string();
        let nonce = new_secret();
        let hash = digest(&keys.invitation_secret(&id, &nonce));
        for log in logs {
            members.push((
                sign_off_link_logs::link_id.eq(id.clone()),
                sign_off_link_logs::log_id.eq(log.to_string()),
            ));
        }
        ids.push(id.clone());
        links.push((
            invitations::id.eq(id),
            invitations::user_id.eq(supervisor.to_string()),
            invitations::token_hash.eq(hash),
            invitations::nonce.eq(Some(nonce)),
            invitations::purpose.eq(LinkPurpose::SignOff),
            invitations::expires_at.eq(expires_at),
            invitations::created_at.eq(now),
        ));
    }
    // A multi-row insert is written per backend: the multi-backend connection cannot.
    macro_rules! insert_all {
        ($table:expr, $rows:expr) => {
            match &mut *conn {
                DbConn::Postgresql(c) => diesel::insert_into($table).values($rows).execute(c)?,
                DbConn::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c)?,
            }
        };
    }
    for chunk in links.chunks(1000) {
        insert_all!(invitations::table, chunk);
    }
    for chunk in members.chunks(5000) {
        insert_all!(sign_off_link_logs::table, chunk);
    }
    Ok(ids)
}

/// The open sign-off link `secret` names, of an active supervisor: (link, supervisor, the
/// logs it names). Nothing changes.
pub fn sign_off_link(
    conn: &mut DbConn,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<(String, String, Vec<String>)>, AppError> {
    use crate::db::schema::sign_off_link_logs;
    let Some((link, supervisor)) = open_link_of(conn, secret, LinkPurpose::SignOff, now)? else {
        return Ok(None);
    };
    let logs = sign_off_link_logs::table
        .filter(sign_off_link_logs::link_id.eq(&link))
        .select(sign_off_link_logs::log_id)
        .order(sign_off_link_logs::log_id)
        .load(conn)?;
    Ok(Some((link, supervisor, logs)))
}

/// Opens a one-time link for a person (earlier open links of the same purpose stop working):
/// answers its id and expiry. The token is an HMAC of the id and a fresh nonce; only its SHA-256
/// is kept.
pub fn open_link(
    conn: &mut DbConn,
    keys: &crate::auth::tokens::TokenKeys,
    user_id: &str,
    purpose: LinkPurpose,
    lifetime: chrono::Duration,
    now: NaiveDateTime,
) -> Result<(String, NaiveDateTime), AppError> {
    diesel::update(
        invitations::table
            .filter(invitations::user_id.eq(user_id))
            .filter(invitations::purpose.eq(purpose))
            .filter(invitations::used_at.is_null()),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)?;
    let id = uuid::Uuid::now_v7().to_string();
    let nonce = new_secret();
    let secret = keys.invitation_secret(&id, &nonce);
    let expires_at = now + lifetime;
    diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(&id),
            invitations::user_id.eq(user_id),
            invitations::token_hash.eq(digest(&secret)),
            invitations::nonce.eq(&nonce),
            invitations::purpose.eq(purpose),
            invitations::expires_at.eq(expires_at),
            invitations::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok((id, expires_at))
}

/// Opens an invitation to set a first password, for `ttl_days`.
pub fn invite(
    conn: &mut DbConn,
    keys: &crate::auth::tokens::TokenKeys,
    user_id: &str,
    ttl_days: i64,
    now: NaiveDateTime,
) -> Result<(String, NaiveDateTime), AppError> {
    let lifetime = chrono::Duration::days(ttl_days);
    open_link(conn, keys, user_id, LinkPurpose::Invite, lifetime, now)
}

/// The token and purpose of a link still open at `now`, the token derived again from its nonce.
pub fn link_token(
    conn: &mut DbConn,
    keys: &crate::auth::tokens::TokenKeys,
    link_id: &str,
    now: NaiveDateTime,
) -> Result<Option<(String, LinkPurpose)>, AppError> {
    let found: Option<(Option<String>, LinkPurpose)> = invitations::table
        .filter(invitations::id.eq(link_id))
        .filter(invitations::used_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .select((invitations::nonce, invitations::purpose))
        .first(conn)
        .optional()?;
    Ok(found
        .and_then(|(nonce, purpose)| nonce.map(|n| (keys.invitation_secret(link_id, &n), purpose))))
}

/// The unused, unexpired link `secret` names for `purpose`, of an active person: (link, person).
fn open_link_of(
    conn: &mut DbConn,
    secret: &str,
    purpose: LinkPurpose,
    now: NaiveDateTime,
) -> Result<Option<(String, String)>, AppError> {
    Ok(invitations::table
        .inner_join(users::table)
        .filter(invitations::token_hash.eq(digest(secret)))
        .filter(invitations::purpose.eq(purpose))
        .filter(invitations::used_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select((invitations::id, users::id))
        .first(conn)
        .optional()?)
}

/// Whether `secret` names an open link for `purpose` (nothing changes).
pub fn link_is_open(
    conn: &mut DbConn,
    secret: &str,
    purpose: LinkPurpose,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    Ok(open_link_of(conn, secret, purpose, now)?.is_some())
}

/// Spends a link once: returns its person's id, or `None` when the token is unknown, spent,
/// expired, for another purpose, or its person deactivated.
pub fn redeem_link(
    conn: &mut DbConn,
    secret: &str,
    purpose: LinkPurpose,
    now: NaiveDateTime,
) -> Result<Option<String>, AppError> {
    let Some((link_id, user_id)) = open_link_of(conn, secret, purpose, now)? else {
        return Ok(None);
    };
    let spent = diesel::update(
        invitations::table
            .filter(invitations::id.eq(&link_id))
            .filter(invitations::used_at.is_null()),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)?;
    Ok((spent == 1).then_some(user_id))
}
