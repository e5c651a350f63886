//! Login throttling, kept in the database so it holds across restarts and instances: failed
//! logins are counted per account and per client address over a sliding window.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use crate::db::schema::login_failures;
use crate::db::DbConn;
use crate::http::AppError;

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

/// Refuses with 429 and `Retry-After` while either key is over its limit.
pub fn check(
    conn: &mut DbConn,
    keys: &[(&str, i64)],
    limits: Limits,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let since = now - chrono::Duration::seconds(limits.window_secs);
    let mut wait = 0;
    for (key, limit) in keys {
        let (n, oldest): (i64, Option<NaiveDateTime>) = login_failures::table
            .filter(login_failures::throttle_key.eq(*key))
            .filter(login_failures::at.gt(since))
            .select((count_star(), min(login_failures::at)))
            .first(conn)?;
        if let Some(secs) = retry_after(n, oldest, *limit, limits.window_secs, now) {
            wait = wait.max(secs);
        }
    }
    if wait > 0 {
        tracing::warn!(retry_after_secs = wait, "login throttled");
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    Ok(())
}

/// Counts one failure against each key and forgets the ones that left the window.
pub fn record_failure(
    conn: &mut DbConn,
    keys: &[&str],
    window_secs: i64,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let since = now - chrono::Duration::seconds(window_secs);
    for key in keys {
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(uuid::Uuid::now_v7().to_string()),
                login_failures::throttle_key.eq(*key),
                login_failures::at.eq(now),
            ))
            .execute(conn)?;
        diesel::delete(
            login_failures::table
                .filter(login_failures::throttle_key.eq(*key))
                .filter(login_failures::at.le(since)),
        )
        .execute(conn)?;
    }
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
