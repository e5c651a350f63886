//! Browser sessions. The cookie holds a random 256-bit secret, stored only as its SHA-256,
//! each tied to an account session: logout, deactivation and a password change end it exactly
//! as they end the API's tokens. It also ends after `idle` without a request and after
//! `lifetime` in all. The form token (CSRF) is derived from the cookie's secret, so each session
//! has its own and another session's is refused.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::policy::{roles_from_text, Caller};
use super::session;
use super::tokens::{digest, new_secret};
use crate::db::schema::{sessions, users, web_sessions};
use crate::db::DbConn;
use crate::error::AppError;

/// `last_seen_at` is written at most this often, so most page views only read.
const TOUCH_EVERY_SECS: i64 = 60;

/// An open browser session as read: its caller, and when it was opened and last seen (after
/// this request's touch).
#[derive(Clone, Debug)]
pub struct Open {
    pub caller: Caller,
    pub created: NaiveDateTime,
    pub last_seen: NaiveDateTime,
}

impl Open {
    /// Whether this reading still answers for `now` without the database: the session cannot
    /// have timed out, and `last_seen_at` needs no touch yet.
    pub fn answers_for(&self, now: NaiveDateTime, l: Lifetimes) -> bool {
        now - self.last_seen <= Duration::seconds(TOUCH_EVERY_SECS)
            && still_open(self.created, self.last_seen, now, l)
    }
}

/// How long a browser session lasts.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    pub idle: Duration,
    pub lifetime: Duration,
}

/// Opens an account session and its browser session; answers the cookie's secret (once). The
/// person's browser sessions that have timed out are cleared on the way, so they never pile up.
pub fn open(
    conn: &mut DbConn,
    user_id: &str,
    now: NaiveDateTime,
    l: Lifetimes,
) -> Result<String, AppError> {
    let theirs = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .select(sessions::id);
    diesel::delete(
        web_sessions::table
            .filter(web_sessions::session_id.eq_any(theirs))
            .filter(
                web_sessions::last_seen_at
                    .lt(now - l.idle)
                    .or(web_sessions::created_at.lt(now - l.lifetime)),
            ),
    )
    .execute(conn)?;
    let session_id = session::open_bare(conn, user_id, now)?;
    let secret = new_secret();
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::token_hash.eq(digest(&secret)),
            web_sessions::session_id.eq(&session_id),
            web_sessions::created_at.eq(now),
            web_sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(secret)
}

/// The form token of the session whose cookie holds `secret`.
pub fn form_token(secret: &str) -> String {
    digest(&format!("csrf\0{secret}"))
}

/// Whether a session seen at `last_seen`, opened at `created`, is still open at `now`.
pub fn still_open(
    created: NaiveDateTime,
    last_seen: NaiveDateTime,
    now: NaiveDateTime,
    l: Lifetimes,
) -> bool {
    now - last_seen <= l.idle && now - created <= l.lifetime
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    NaiveDateTime,
    NaiveDateTime,
);

/// The session behind a cookie's secret: an open session of an active person, not idle too
/// long. A session found idle or too old is ended here.
pub fn load(
    conn: &mut DbConn,
    secret: &str,
    now: NaiveDateTime,
    l: Lifetimes,
) -> Result<Option<Open>, AppError> {
    let hash = digest(secret);
    let row: Option<Row> = web_sessions::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(web_sessions::token_hash.eq(&hash))
        .filter(sessions::revoked_at.is_null())
        .filter(users::active.eq(true))
        .select((
            users::id,
            users::email,
            users::full_name,
            users::roles,
            users::service_id,
            sessions::id,
            web_sessions::created_at,
            web_sessions::last_seen_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, email, full_name, roles, service_id, session_id, created, seen)) = row else {
        return Ok(None);
    };
    if !still_open(created, seen, now, l) {
        end(conn, secret, now)?;
        return Ok(None);
    }
    let mut last_seen = seen;
    if now - seen > Duration::seconds(TOUCH_EVERY_SECS) {
        diesel::update(web_sessions::table.filter(web_sessions::token_hash.eq(&hash)))
            .set(web_sessions::last_seen_at.eq(now))
            .execute(conn)?;
        last_seen = now;
    }
    Ok(Some(Open {
        caller: Caller {
            id,
            email,
            full_name,
            roles: roles_from_text(&roles),
            service_id,
            session_id,
        },
        created,
        last_seen,
    }))
}

/// Ends the browser session behind `secret` and its account session.
pub fn end(conn: &mut DbConn, secret: &str, now: NaiveDateTime) -> Result<(), AppError> {
    let hash = digest(secret);
    let session_id: Option<String> = web_sessions::table
        .filter(web_sessions::token_hash.eq(&hash))
        .select(web_sessions::session_id)
        .first(conn)
        .optional()?;
    diesel::delete(web_sessions::table.filter(web_sessions::token_hash.eq(&hash))).execute(conn)?;
    if let Some(sid) = session_id {
        session::revoke(conn, &sid, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .map(|t| t + Duration::minutes(min))
            .unwrap_or_default()
    }

    const L: Lifetimes = Lifetimes {
        idle: Duration::minutes(30),
        lifetime: Duration::hours(12),
    };

    #[test]
    fn a_session_ends_when_idle_or_too_old() {
        assert!(still_open(at(0), at(0), at(30), L));
        assert!(!still_open(at(0), at(0), at(31), L));
        assert!(still_open(at(0), at(700), at(720), L));
        assert!(!still_open(at(0), at(715), at(721), L));
    }

    #[test]
    fn a_cached_reading_answers_only_while_no_touch_is_due() {
        let open = Open {
            caller: Caller {
                id: "u".into(),
                email: "e".into(),
                full_name: "n".into(),
                roles: vec![],
                service_id: None,
                session_id: "s".into(),
            },
            created: at(0),
            last_seen: at(10),
        };
        assert!(open.answers_for(at(10), L));
        assert!(
            !open.answers_for(at(12), L),
            "a touch is due after a minute"
        );
        let old = Open {
            created: at(-720),
            last_seen: at(0),
            ..open
        };
        assert!(!old.answers_for(at(1), L), "past its lifetime");
    }

    #[test]
    fn each_session_has_its_own_form_token() {
        assert_ne!(form_token("a"), form_token("b"));
        assert_eq!(form_token("a"), form_token("a"));
        assert_ne!(form_token("a"), digest("a"));
    }
}
