//! What every handler is given: the pool, the settings, the token keys and the mailer.

use std::sync::Arc;

use actix_web::web;

use crate::auth::cache::CallerCache;
use crate::auth::password::Hashers;
use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::db::{self, DbConn, Pool};
use crate::error::AppError;
use crate::mail::Mailer;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub tokens: Arc<TokenKeys>,
    pub mailer: Mailer,
    /// Callers behind access tokens, for a few seconds.
    pub callers: Arc<CallerCache>,
    /// The bounded password-hashing pool.
    pub hashers: Hashers,
    /// Requests and reminder runs counted for `GET /metrics`.
    pub metrics: Arc<crate::counters::Metrics>,
    /// What time it is: read once per use case and passed down, so a write, its
    /// `updated_at` and its audit event carry one instant, and a test can pin "today".
    pub clock: Clock,
    /// Work started after a response (sending what a request queued), counted so a shutdown
    /// or a test can wait for it rather than cut an SMTP exchange off mid-way.
    pub background: Arc<std::sync::atomic::AtomicUsize>,
}

/// The system clock, or a fixed instant (tests).
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(chrono::NaiveDateTime),
}

impl Clock {
    /// Now, in UTC, to the microsecond (both backends keep that exactly).
    pub fn now(&self) -> chrono::NaiveDateTime {
        match self {
            Clock::System => now(),
            Clock::Fixed(at) => *at,
        }
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.now().date()
    }
}

/// Counts one piece of background work for as long as it lives.
struct Running(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl AppState {
    /// Runs work after the response, counted in `background`.
    pub fn spawn_background<F>(&self, work: F)
    where
        F: std::future::Future<Output = ()> + 'static,
    {
        self.background
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let running = Running(self.background.clone());
        actix_web::rt::spawn(async move {
            let _running = running;
            work.await;
        });
    }

    /// Waits (up to `most`) until no background work is running; says whether none is.
    pub async fn settled(&self, most: std::time::Duration) -> bool {
        let until = std::time::Instant::now() + most;
        while self.background.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            if std::time::Instant::now() >= until {
                return false;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        true
    }

    /// Runs blocking database work on actix's blocking pool, inside the request's span.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Like `db`, inside one write transaction (IMMEDIATE on SQLite).
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.db(move |conn| db::write_tx(conn, f)).await
    }
}

/// Now, in UTC, as stored (microseconds: both backends keep them exactly).
pub fn now() -> chrono::NaiveDateTime {
    let n = chrono::Utc::now().naive_utc();
    n.with_nanosecond_floor()
}

trait FloorMicros {
    fn with_nanosecond_floor(self) -> Self;
}

impl FloorMicros for chrono::NaiveDateTime {
    fn with_nanosecond_floor(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1000 * 1000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}

/// Today's date in UTC.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// RFC 3339 in UTC, as the API writes instants.
pub fn rfc3339(t: &chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Serde helpers for instants stored as naive UTC.
pub mod instant {
    use serde::Serializer;

    pub fn serialize<S: Serializer>(t: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(t))
    }

    pub mod option {
        use serde::Serializer;

        pub fn serialize<S: Serializer>(
            t: &Option<chrono::NaiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::super::rfc3339(t)),
                None => s.serialize_none(),
            }
        }
    }
}
