//! The database: one connection type over both backends, chosen at run time from the URL's
//! scheme; the pool; migrations; and the transaction helper every write goes through.

pub mod names;
pub mod schema;
pub mod types;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Queries written once against this type run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbUrl {
    /// A file path for the embedded SQLite database.
    Sqlite(String),
    /// A libpq connection URL.
    Postgres(String),
}

impl DbUrl {
    /// `sqlite://PATH`, `sqlite:PATH`, a bare path, or `postgres://` / `postgresql://`.
    /// Any other scheme is refused rather than taken for a file name.
    pub fn parse(raw: &str) -> Result<DbUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            return Ok(DbUrl::Postgres(raw.to_string()));
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.contains(":memory:") {
                return Err(
                    "a SQLite URL needs a file path (an in-memory database is not kept)".into(),
                );
            }
            return Ok(DbUrl::Sqlite(path.to_string()));
        }
        if scheme_without_colon(raw) {
            return Err(format!(
                "{raw:?} looks like a URL with its colon missing: use sqlite://PATH or postgres://..."
            ));
        }
        if let Some((scheme, _)) = raw.split_once(':') {
            let looks_like_scheme = !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                && !scheme.contains('/');
            if looks_like_scheme {
                return Err(format!(
                    "unknown scheme {scheme:?}: use sqlite://PATH or postgres://..."
                ));
            }
        }
        Ok(DbUrl::Sqlite(raw.to_string()))
    }

    /// For logs: never the password.
    pub fn redacted(&self) -> String {
        match self {
            DbUrl::Sqlite(p) => format!("sqlite://{p}"),
            DbUrl::Postgres(u) => match url::Url::parse(u) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        let _ = parsed.set_password(Some("***"));
                    }
                    parsed.to_string()
                }
                Err(_) => "postgres://<unparsable>".into(),
            },
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbUrl::Sqlite(_))
    }
}

/// `postgres//host/db`: a scheme-like name then `//`, which is no file path anyone means.
fn scheme_without_colon(raw: &str) -> bool {
    match raw.split_once("//") {
        Some((head, _)) => {
            let mut chars = head.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        }
        None => false,
    }
}

/// Opens connections for the pool, dispatching on the URL itself so a backend that is down
/// reports its own error (host, port, reason) instead of a generic one.
#[derive(Clone, Debug)]
pub struct Manager {
    url: DbUrl,
    connect_timeout_secs: u64,
}

impl Manager {
    pub fn new(url: DbUrl, connect_timeout_secs: u64) -> Manager {
        Manager {
            url,
            connect_timeout_secs,
        }
    }

    fn pg_url(&self, raw: &str) -> String {
        if raw.contains("connect_timeout=") {
            return raw.to_string();
        }
        let sep = if raw.contains('?') { '&' } else { '?' };
        format!(
            "{raw}{sep}connect_timeout={}",
            self.connect_timeout_secs.max(1)
        )
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DbUrl::Postgres(raw) => {
                let mut conn = PgConnection::establish(&self.pg_url(raw))
                    .map_err(r2d2::Error::ConnectionError)?;
                // diesel keeps statements prepared; after five runs PostgreSQL may switch one to a
                // generic plan, which for `= ANY($1)` over a page of people was several times
                // slower. Planning each run with its real parameters costs microseconds here.
                conn.batch_execute("SET plan_cache_mode = force_custom_plan")
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Postgresql(conn))
            }
            DbUrl::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
                     PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// Opens the pool: one connection is made first, so a database that cannot be reached stops
/// start-up at once with its own error. A SQLite file's missing folder is created (0700) only
/// inside the data folder; elsewhere it is an error naming it. A new SQLite file is made 0600
/// (SQLite gives its -wal and -shm files the same mode).
pub fn connect(
    url: &DbUrl,
    pool_size: u32,
    connect_timeout_secs: u64,
    data_dir: &std::path::Path,
) -> Result<Pool, String> {
    if let DbUrl::Sqlite(path) = url {
        let path = std::path::Path::new(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                if !crate::files::is_inside(dir, data_dir) {
                    return Err(format!(
                        "invalid setting DATABASE_URL: the folder {} does not exist (create it, or keep the database inside the data folder {})",
                        dir.display(),
                        data_dir.display()
                    ));
                }
                crate::files::private_dir(dir)?;
            }
        }
        crate::files::private_file(path)?;
    }
    let manager = Manager::new(url.clone(), connect_timeout_secs);
    manager.connect().map_err(|e| {
        format!(
            "cannot connect to {}: {}",
            url.redacted(),
            e.to_string().trim()
        )
    })?;
    r2d2::Pool::builder()
        .max_size(pool_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(connect_timeout_secs.max(1)))
        .build(manager)
        .map_err(|e| format!("cannot open a connection pool to {}: {e}", url.redacted()))
}

/// Applies pending migrations. On PostgreSQL an advisory lock keeps two instances starting at
/// once from migrating together.
pub fn migrate(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>()),
        DbConn::Postgresql(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7355608)")
                .map_err(|e| format!("cannot take the migration lock: {e}"))?;
            let r = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>());
            let _ = c.batch_execute("SELECT pg_advisory_unlock(7355608)");
            r
        }
    };
    applied.map_err(|e| format!("migration failed: {e}"))
}

/// Runs `f` in one transaction and commits only if it returns `Ok`. On SQLite the transaction
/// begins IMMEDIATE, taking the write lock up front, so concurrent read-then-write transactions
/// wait on `busy_timeout` instead of failing with "database is locked".
pub fn write_tx<T, F>(conn: &mut DbConn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) =
                <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Writes a consistent copy of a SQLite database to `path` while it is in use (`VACUUM INTO`:
/// one read transaction, so the copy is the database at one instant), made 0600. PostgreSQL is
/// backed up with its own tools (`pg_dump`, see the README); asking here says so.
pub fn backup(conn: &mut DbConn, path: &std::path::Path) -> Result<(), String> {
    use diesel::connection::SimpleConnection;
    let DbConn::Sqlite(_) = conn else {
        return Err(
            "on PostgreSQL, back up with pg_dump (see the README's Backups section); this command copies the embedded SQLite database".into(),
        );
    };
    if path.exists() {
        return Err(format!(
            "{} exists already: name a new file, so no backup is overwritten",
            path.display()
        ));
    }
    let target = path
        .to_str()
        .ok_or_else(|| format!("{} is not a path SQLite can write", path.display()))?;
    // Made empty and 0600 first: SQLite writes into an empty file and keeps its mode.
    crate::files::private_file(path)?;
    conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .map_err(|e| {
            let _ = std::fs::remove_file(path);
            format!("the backup to {} failed: {e}", path.display())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_by_scheme() {
        assert_eq!(
            DbUrl::parse("sqlite://data/registry.db"),
            Ok(DbUrl::Sqlite("data/registry.db".into()))
        );
        assert_eq!(
            DbUrl::parse("sqlite:///tmp/r.db"),
            Ok(DbUrl::Sqlite("/tmp/r.db".into()))
        );
        assert_eq!(
            DbUrl::parse("/tmp/r.db"),
            Ok(DbUrl::Sqlite("/tmp/r.db".into()))
        );
        assert_eq!(
            DbUrl::parse("data/r.db"),
            Ok(DbUrl::Sqlite("data/r.db".into()))
        );
        assert!(matches!(
            DbUrl::parse("postgres://u@h/db"),
            Ok(DbUrl::Postgres(_))
        ));
        assert!(matches!(
            DbUrl::parse("postgresql://u@h/db"),
            Ok(DbUrl::Postgres(_))
        ));
        for refused in [
            "mysql://h/db",
            "postgress://h/db",
            "redis:x",
            "sqlite://",
            "sqlite::memory:",
            "postgres//oops",
            "postgresql//u@h/db",
            "",
        ] {
            assert!(
                DbUrl::parse(refused).is_err(),
                "{refused} should be refused"
            );
        }
    }

    #[test]
    fn a_missing_folder_outside_the_data_folder_is_an_error_naming_it() {
        let data = tempfile::tempdir().unwrap();
        let url = DbUrl::parse("sqlite:///nonexistent-registry-test/dir/r.db").unwrap();
        let e = connect(&url, 1, 1, data.path()).expect_err("refused");
        assert!(e.contains("/nonexistent-registry-test/dir"), "{e}");
        assert!(!std::path::Path::new("/nonexistent-registry-test").exists());
        // Inside the data folder it is made, private, and so is the file.
        let inside = data.path().join("sub/r.db");
        let url = DbUrl::Sqlite(inside.display().to_string());
        connect(&url, 1, 1, data.path()).expect("created");
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data.path().join("sub")), 0o700);
        assert_eq!(mode(&inside), 0o600);
    }

    #[test]
    fn the_password_never_shows() {
        let u = DbUrl::parse("postgres://me:secret@db:5432/reg").unwrap();
        assert!(!u.redacted().contains("secret"));
    }

    #[test]
    fn both_migration_trees_have_the_same_versions() {
        let versions = |dir: &str| {
            let mut v: Vec<String> =
                std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.'))
                    .collect();
            v.sort();
            v
        };
        let sqlite = versions("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions("postgres"));
    }
}
