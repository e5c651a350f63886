//! One `Settings` value: built-in defaults, then `config/default.toml` and `config/local.toml`
//! (when present), then the environment variables of the contract. Nothing global: the value
//! is built once in `main` (or a test) and passed down.

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use crate::auth::policy::MetricsAccess;
use crate::db::DbUrl;

/// Declares every setting once: its type, default, environment variable (if any) and meaning.
/// From the list come the `Settings` struct, its defaults, the shape of `config/*.toml` (every
/// key optional, unknown keys refused), the environment overrides and [`Settings::KEYS`].
macro_rules! settings {
    ($( $(#[doc = $doc:literal])+ $name:ident: $ty:ty = $default:expr $(, env $env:literal)?; )+) => {
        #[derive(Clone)]
        pub struct Settings {
            $( $(#[doc = $doc])+ pub $name: $ty, )+
        }

        impl Default for Settings {
            fn default() -> Self {
                Settings { $( $name: $default, )+ }
            }
        }

        /// The shape of `config/*.toml`: every key optional, unknown keys refused.
        #[derive(Deserialize, Default)]
        #[serde(deny_unknown_fields)]
        pub struct FileSettings {
            $( $name: Option<$ty>, )+
        }

        impl Settings {
            /// Every setting's file key and environment variable.
            pub const KEYS: &'static [(&'static str, Option<&'static str>)] =
                &[$( (stringify!($name), settings!(@env $($env)?)), )+];

            fn apply_file(&mut self, f: FileSettings) {
                $( if let Some(v) = f.$name { self.$name = v; } )+
            }

            fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), SettingError> {
                $( $(
                    if let Some(v) = env($env) {
                        self.$name = <$ty as EnvValue>::from_env(&v).map_err(|e| bad($env, e))?;
                    }
                )? )+
                Ok(())
            }
        }
    };
    (@env $env:literal) => { Some($env) };
    (@env) => { None };
}

settings! {
    /// `DATABASE_URL`, parsed once, here: every other part of the registry takes the backend
    /// from this.
    database_url: DbUrl = DbUrl::Sqlite("data/registry.db".into()), env "DATABASE_URL";
    /// HOST:PORT to listen on.
    bind: String = "127.0.0.1:8080".into(), env "REGISTRY_BIND";
    /// Where the generated JWT secret and the mail outbox live.
    data_dir: PathBuf = PathBuf::from("data"), env "REGISTRY_DATA_DIR";
    /// Signing secret for access tokens (32 characters or more); unset, one is generated.
    jwt_secret: Option<String> = None, env "REGISTRY_JWT_SECRET";
    /// The first admin, made at start-up when no admin exists yet.
    admin_email: Option<String> = None, env "REGISTRY_ADMIN_EMAIL";
    /// The first admin's password.
    admin_password: Option<String> = None, env "REGISTRY_ADMIN_PASSWORD";
    /// smtp:// or smtps:// server; unset, each email is written as an .eml file.
    smtp_url: Option<String> = None, env "REGISTRY_SMTP_URL";
    /// The sender of every email.
    mail_from: String = "registry@localhost".into(), env "REGISTRY_MAIL_FROM";
    /// The address people reach the registry at, for links in emails.
    public_url: Option<String> = None, env "REGISTRY_PUBLIC_URL";
    /// How often the lapse scan and delivery run; 0 turns the schedule off.
    reminder_interval_secs: u64 = 3600, env "REGISTRY_REMINDER_INTERVAL_SECS";
    /// `text` or `json`.
    log_format: LogFormat = LogFormat::Text, env "REGISTRY_LOG_FORMAT";
    /// `GET /metrics`: `off`, `open`, or `token` (a `Bearer` `metrics_token`).
    metrics: MetricsAccess = MetricsAccess::Off, env "REGISTRY_METRICS";
    /// The token `GET /metrics` needs when `metrics` is `token` (16 characters or more).
    metrics_token: Option<String> = None, env "REGISTRY_METRICS_TOKEN";
    /// Database connections kept by the pool.
    db_pool_size: u32 = 8;
    /// How long start-up waits for the database.
    db_connect_timeout_secs: u64 = 10;
    /// How long an access token (JWT) lives.
    access_token_ttl_secs: i64 = 900;
    /// How long a refresh token lives (rotated on every use).
    refresh_token_ttl_days: i64 = 30;
    /// How long an invitation link works.
    invitation_ttl_days: i64 = 7;
    /// Failed logins for one account within the window before logins answer 429.
    login_max_failures_per_account: i64 = 5;
    /// Failed logins from one address within the window before logins answer 429.
    login_max_failures_per_address: i64 = 30;
    /// The throttling window.
    login_window_secs: i64 = 900;
    /// Seconds an authenticated caller is remembered.
    auth_cache_secs: u64 = 5;
    /// Minutes without a request after which a browser's session ends.
    web_idle_minutes: i64 = 30;
    /// Hours after signing in at which a browser's session ends whatever its use.
    web_session_hours: i64 = 12;
    /// Delivery attempts before a message is given up as dead.
    reminder_max_attempts: i32 = 8;
    /// The first wait before a retry, doubling each time.
    reminder_backoff_secs: i64 = 60;
    /// Password hashing threads (0: one a core).
    hash_workers: usize = 0;
    /// Hash requests that may wait; past that a login answers 503.
    hash_queue: usize = 128;
    /// Seconds a request body may take to arrive before 408.
    body_timeout_secs: u64 = 10;
    /// Connections each worker thread holds open at once.
    max_connections: usize = 1024;
    /// The largest staff list an import takes (bytes): larger answers 413.
    import_max_bytes: usize = 10 * 1024 * 1024;
    /// Reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: Vec<std::net::IpAddr> = Vec::new(), env "REGISTRY_TRUSTED_PROXIES";
}

/// A value read from an environment variable: the message says what was wrong.
trait EnvValue: Sized {
    fn from_env(v: &str) -> Result<Self, String>;
}

impl EnvValue for String {
    fn from_env(v: &str) -> Result<Self, String> {
        Ok(v.to_string())
    }
}

impl EnvValue for PathBuf {
    fn from_env(v: &str) -> Result<Self, String> {
        Ok(PathBuf::from(v))
    }
}

impl<T: EnvValue> EnvValue for Option<T> {
    fn from_env(v: &str) -> Result<Self, String> {
        T::from_env(v).map(Some)
    }
}

macro_rules! whole_number {
    ($($t:ty),+) => { $(
        impl EnvValue for $t {
            fn from_env(v: &str) -> Result<Self, String> {
                v.trim().parse().map_err(|_| format!("{v:?} is not a whole number"))
            }
        }
    )+ };
}
whole_number!(u32, u64, i32, i64, usize);

impl EnvValue for DbUrl {
    fn from_env(v: &str) -> Result<Self, String> {
        DbUrl::parse(v)
    }
}

impl EnvValue for MetricsAccess {
    fn from_env(v: &str) -> Result<Self, String> {
        match v {
            "off" => Ok(MetricsAccess::Off),
            "open" => Ok(MetricsAccess::Open),
            "token" => Ok(MetricsAccess::Token),
            _ => Err(format!("{v:?} is not off, open or token")),
        }
    }
}

impl EnvValue for LogFormat {
    fn from_env(v: &str) -> Result<Self, String> {
        match v.trim() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("{other:?} is neither \"text\" nor \"json\"")),
        }
    }
}

impl EnvValue for Vec<std::net::IpAddr> {
    fn from_env(v: &str) -> Result<Self, String> {
        parse_proxies(v)
    }
}

impl<'de> Deserialize<'de> for DbUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        DbUrl::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Secrets are never printed: this is what start-up logs.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database", &self.database_url.redacted())
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("admin_email", &self.admin_email)
            .field("smtp", &self.smtp_url.as_ref().map(|u| redact_url(u)))
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url)
            .field("reminder_interval_secs", &self.reminder_interval_secs)
            .field("log_format", &self.log_format)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("metrics", &self.metrics)
            .finish_non_exhaustive()
    }
}

/// A setting that cannot be used, named so the operator can fix it in one go.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {reason}")]
pub struct SettingError {
    pub name: String,
    pub reason: String,
}

fn bad(name: &str, reason: impl Into<String>) -> SettingError {
    SettingError {
        name: name.into(),
        reason: reason.into(),
    }
}

fn redact_url(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable>".into(),
    }
}

impl Settings {
    /// Defaults, then `DIR/default.toml` and `DIR/local.toml`, then `env`.
    pub fn load(
        config_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingError> {
        let mut s = Settings::default();
        for name in ["default.toml", "local.toml"] {
            let path = config_dir.join(name);
            if path.exists() {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| bad(&path.display().to_string(), e.to_string()))?;
                let file: FileSettings = toml::from_str(&text)
                    .map_err(|e| bad(&path.display().to_string(), e.message().to_string()))?;
                s.apply_file(file);
            }
        }
        s.apply_env(env)?;
        s.validate()?;
        Ok(s)
    }

    /// Settings for `registry` run as a process: `REGISTRY_CONFIG_DIR` (default `config`).
    pub fn from_process_env() -> Result<Settings, SettingError> {
        let dir = std::env::var("REGISTRY_CONFIG_DIR").unwrap_or_else(|_| "config".into());
        Settings::load(Path::new(&dir), &|k| {
            std::env::var(k).ok().filter(|v| !v.is_empty())
        })
    }

    fn validate(&self) -> Result<(), SettingError> {
        validate_bind(&self.bind).map_err(|e| bad("REGISTRY_BIND", e))?;
        if let Some(u) = &self.smtp_url {
            let parsed = url::Url::parse(u)
                .map_err(|e| bad("REGISTRY_SMTP_URL", format!("not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(bad(
                    "REGISTRY_SMTP_URL",
                    "the scheme must be smtp:// or smtps://",
                ));
            }
            if parsed.host_str().is_none() {
                return Err(bad("REGISTRY_SMTP_URL", "a host is required"));
            }
        }
        self.mail_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                bad(
                    "REGISTRY_MAIL_FROM",
                    format!("{:?} is not an email address: {e}", self.mail_from),
                )
            })?;
        if let Some(u) = &self.public_url {
            url::Url::parse(u)
                .map_err(|e| bad("REGISTRY_PUBLIC_URL", format!("not a URL: {e}")))?;
        }
        if let Some(secret) = &self.jwt_secret {
            if secret.len() < 32 {
                return Err(bad("REGISTRY_JWT_SECRET", "must be at least 32 characters"));
            }
        }
        if self.metrics == MetricsAccess::Token
            && self.metrics_token.as_ref().is_none_or(|t| t.len() < 16)
        {
            return Err(bad(
                "REGISTRY_METRICS_TOKEN",
                "must be set, 16 characters or more, when REGISTRY_METRICS is token",
            ));
        }
        if self.admin_email.is_some() != self.admin_password.is_some() {
            return Err(bad(
                "REGISTRY_ADMIN_EMAIL/REGISTRY_ADMIN_PASSWORD",
                "set both to create the first admin, or neither",
            ));
        }
        if let Some(e) = &self.admin_email {
            use validator::ValidateEmail;
            if !e.trim().validate_email() {
                return Err(bad(
                    "REGISTRY_ADMIN_EMAIL",
                    format!("{e:?} is not an email address"),
                ));
            }
        }
        if let Some(p) = &self.admin_password {
            crate::auth::password::check_strength(p)
                .map_err(|e| bad("REGISTRY_ADMIN_PASSWORD", e))?;
        }
        let positive: [(&str, i64); 8] = [
            ("access_token_ttl_secs", self.access_token_ttl_secs),
            ("refresh_token_ttl_days", self.refresh_token_ttl_days),
            ("invitation_ttl_days", self.invitation_ttl_days),
            (
                "login_max_failures_per_account",
                self.login_max_failures_per_account,
            ),
            (
                "login_max_failures_per_address",
                self.login_max_failures_per_address,
            ),
            ("login_window_secs", self.login_window_secs),
            ("web_idle_minutes", self.web_idle_minutes),
            ("web_session_hours", self.web_session_hours),
        ];
        for (name, v) in positive {
            if v <= 0 {
                return Err(bad(name, "must be greater than 0"));
            }
        }
        if self.body_timeout_secs == 0 {
            return Err(bad("body_timeout_secs", "must be greater than 0"));
        }
        if self.max_connections == 0 {
            return Err(bad("max_connections", "must be greater than 0"));
        }
        if self.import_max_bytes == 0 {
            return Err(bad("import_max_bytes", "must be greater than 0"));
        }
        if self.db_pool_size == 0 {
            return Err(bad("db_pool_size", "must be greater than 0"));
        }
        Ok(())
    }

    /// The base address put in links sent by email.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Whether people reach the registry over https (then its cookies are `Secure`).
    pub fn served_over_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
    }

    /// How long a browser's session lasts.
    pub fn web_lifetimes(&self) -> crate::auth::web_session::Lifetimes {
        crate::auth::web_session::Lifetimes {
            idle: chrono::Duration::minutes(self.web_idle_minutes),
            lifetime: chrono::Duration::hours(self.web_session_hours),
        }
    }
}

/// `REGISTRY_TRUSTED_PROXIES`: comma-separated IP addresses.
fn parse_proxies(v: &str) -> Result<Vec<std::net::IpAddr>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse().map_err(|_| {
                format!("{p:?} is not an IP address (list addresses separated by commas)")
            })
        })
        .collect()
}

fn validate_bind(bind: &str) -> Result<(), String> {
    let (host, port) = bind
        .rsplit_once(':')
        .ok_or_else(|| format!("{bind:?} is not HOST:PORT"))?;
    if host.is_empty() {
        return Err(format!("{bind:?} has no host"));
    }
    port.parse::<u16>()
        .map_err(|_| format!("{bind:?}: {port:?} is not a port number"))?;
    Ok(())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
