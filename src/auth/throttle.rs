//! Login throttling, kept in the database so it holds across restarts and instances: failed
//! logins (and token redemptions) are counted per account and per client address over a sliding
//! window. Each attempt is counted before its password is checked, in the same transaction as
//! the check, so a burst of concurrent guesses checks at most the limit.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use crate::db::schema::login_failures;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: i64,
    pub per_address: i64,
    pub window_secs: i64,
}

pub fn account_key(email_lower: &str) -> String {
    format!("account:{email_lower}")
}

pub fn address_key(addr: &str) -> String {
    format!("addr:{addr}")
}

/// Password resets asked for one email (whether or not it is anyone's).
pub fn reset_key(email_lower: &str) -> String {
    format!("reset:{email_lower}")
}

/// Invitation and password-reset tokens tried from one address.
pub fn token_address_key(addr: &str) -> String {
    format!("token-addr:{addr}")
}

/// Seconds until another attempt is allowed, given the failures in the window: `None` while
/// under the limit. Plain arithmetic, so it is tested without a database.
pub fn retry_after(
    failures: i64,
    oldest: Option<NaiveDateTime>,
    limit: i64,
    window_secs: i64,
    now: NaiveDateTime,
) -> Option<i64> {
    if failures < limit {
        return None;
    }
    let oldest = oldest?;
    let reopens = oldest + chrono::Duration::seconds(window_secs);
    Some((reopens - now).num_seconds().max(1))
}

/// Serialises attempts on the same keys within the caller's transaction: on PostgreSQL an
/// advisory lock per key (held to commit); SQLite's write transactions are already serial.
fn lock_keys(conn: &mut DbConn, keys: &[(&str, i64)]) -> Result<(), AppError> {
    if let DbConn::Postgresql(pg) = conn {
        let mut sorted: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
        sorted.sort_unstable();
        for key in sorted {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1)::bigint)")
                .bind::<diesel::sql_types::Text, _>(key)
                .execute(pg)?;
        }
    }
    Ok(())
}

/// Counts one attempt against each key, atomically with the check, before any password is
/// looked at: with `limit` attempts already in the window for a key, refuses with 429 and
/// `Retry-After` and counts nothing. Call inside a write transaction. Answers the ids of the
/// attempts counted, so that a success can take them back ([`forgive`]); a failure leaves them.
pub fn begin_attempt(
    conn: &mut DbConn,
    keys: &[(&str, i64)],
    window_secs: i64,
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    lock_keys(conn, keys)?;
    let since = now - chrono::Duration::seconds(window_secs);
    let mut wait = 0;
    for (key, limit) in keys {
        diesel::delete(
            login_failures::table
                .filter(login_failures::throttle_key.eq(*key))
                .filter(login_failures::at.le(since)),
        )
        .execute(conn)?;
        let (n, oldest): (i64, Option<NaiveDateTime>) = login_failures::table
            .filter(login_failures::throttle_key.eq(*key))
            .filter(login_failures::at.gt(since))
            .select((count_star(), min(login_failures::at)))
            .first(conn)?;
        if let Some(secs) = retry_after(n, oldest, *limit, window_secs, now) {
            wait = wait.max(secs);
        }
    }
    if wait > 0 {
        tracing::warn!(retry_after_secs = wait, "attempt throttled");
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let mut ids = Vec::with_capacity(keys.len());
    for (key, _) in keys {
        let id = uuid::Uuid::now_v7().to_string();
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(&id),
                login_failures::throttle_key.eq(*key),
                login_failures::at.eq(now),
            ))
            .execute(conn)?;
        ids.push(id);
    }
    Ok(ids)
}

/// Takes back attempts that turned out not to be failures (a success, or a check that could
/// not run).
pub fn forgive(conn: &mut DbConn, ids: &[String]) -> Result<(), AppError> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(ids))).execute(conn)?;
    Ok(())
}

/// A successful login clears the account's failures (not the address's).
pub fn clear(conn: &mut DbConn, key: &str) -> Result<(), AppError> {
    diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(key)))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_ends_when_the_oldest_failure_leaves_the_window() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let oldest = now - chrono::Duration::seconds(600);
        assert_eq!(retry_after(4, Some(oldest), 5, 900, now), None);
        assert_eq!(retry_after(5, Some(oldest), 5, 900, now), Some(300));
        assert_eq!(
            retry_after(9, Some(now - chrono::Duration::seconds(900)), 5, 900, now),
            Some(1)
        );
    }
}
