//! One `Settings` value: built-in defaults, then `config/default.toml` and `config/local.toml`
//! (when present), then the environment variables of the contract. Nothing global: the value
//! is built once in `main` (or a test) and passed down.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::db::DbUrl;

#[derive(Clone)]
pub struct Settings {
    /// Parsed once, here: every other part of the registry takes the backend from this.
    pub database_url: DbUrl,
    pub bind: String,
    pub data_dir: PathBuf,
    pub jwt_secret: Option<String>,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub public_url: Option<String>,
    pub reminder_interval_secs: u64,
    pub log_format: LogFormat,
    pub db_pool_size: u32,
    pub db_connect_timeout_secs: u64,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_days: i64,
    pub invitation_ttl_days: i64,
    pub login_max_failures_per_account: i64,
    pub login_max_failures_per_address: i64,
    pub login_window_secs: i64,
    pub auth_cache_secs: u64,
    pub reminder_max_attempts: i32,
    pub reminder_backoff_secs: i64,
    pub hash_workers: usize,
    pub hash_queue: usize,
    pub body_timeout_secs: u64,
    pub max_connections: usize,
    pub trusted_proxies: Vec<std::net::IpAddr>,
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
            .finish_non_exhaustive()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: DbUrl::Sqlite("data/registry.db".into()),
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            jwt_secret: None,
            admin_email: None,
            admin_password: None,
            smtp_url: None,
            mail_from: "registry@localhost".into(),
            public_url: None,
            reminder_interval_secs: 3600,
            log_format: LogFormat::Text,
            db_pool_size: 8,
            db_connect_timeout_secs: 10,
            access_token_ttl_secs: 900,
            refresh_token_ttl_days: 30,
            invitation_ttl_days: 7,
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 30,
            login_window_secs: 900,
            auth_cache_secs: 5,
            reminder_max_attempts: 8,
            reminder_backoff_secs: 60,
            hash_workers: 0,
            hash_queue: 128,
            body_timeout_secs: 10,
            max_connections: 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The shape of `config/*.toml`: every key optional, unknown keys refused.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    jwt_secret: Option<String>,
    admin_email: Option<String>,
    admin_password: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
    reminder_interval_secs: Option<u64>,
    log_format: Option<LogFormat>,
    db_pool_size: Option<u32>,
    db_connect_timeout_secs: Option<u64>,
    access_token_ttl_secs: Option<i64>,
    refresh_token_ttl_days: Option<i64>,
    invitation_ttl_days: Option<i64>,
    login_max_failures_per_account: Option<i64>,
    login_max_failures_per_address: Option<i64>,
    login_window_secs: Option<i64>,
    auth_cache_secs: Option<u64>,
    reminder_max_attempts: Option<i32>,
    reminder_backoff_secs: Option<i64>,
    hash_workers: Option<usize>,
    hash_queue: Option<usize>,
    body_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
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
                s.apply_file(file)?;
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

    fn apply_file(&mut self, f: FileSettings) -> Result<(), SettingError> {
        if let Some(v) = &f.database_url {
            self.database_url = DbUrl::parse(v).map_err(|e| bad("database_url", e))?;
        }
        macro_rules! take {
            ($($field:ident),*) => { $( if let Some(v) = f.$field { self.$field = v; } )* };
        }
        macro_rules! take_opt {
            ($($field:ident),*) => { $( if f.$field.is_some() { self.$field = f.$field; } )* };
        }
        take!(
            bind,
            data_dir,
            mail_from,
            reminder_interval_secs,
            log_format,
            db_pool_size,
            db_connect_timeout_secs,
            access_token_ttl_secs,
            refresh_token_ttl_days,
            invitation_ttl_days,
            login_max_failures_per_account,
            login_max_failures_per_address,
            login_window_secs,
            auth_cache_secs,
            reminder_max_attempts,
            reminder_backoff_secs,
            hash_workers,
            hash_queue,
            body_timeout_secs,
            max_connections,
            trusted_proxies
        );
        take_opt!(
            jwt_secret,
            admin_email,
            admin_password,
            smtp_url,
            public_url
        );
        Ok(())
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), SettingError> {
        if let Some(v) = env("DATABASE_URL") {
            self.database_url = DbUrl::parse(&v).map_err(|e| bad("DATABASE_URL", e))?;
        }
        if let Some(v) = env("REGISTRY_BIND") {
            self.bind = v;
        }
        if let Some(v) = env("REGISTRY_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("REGISTRY_MAIL_FROM") {
            self.mail_from = v;
        }
        for (name, slot) in [
            ("REGISTRY_JWT_SECRET", &mut self.jwt_secret),
            ("REGISTRY_ADMIN_EMAIL", &mut self.admin_email),
            ("REGISTRY_ADMIN_PASSWORD", &mut self.admin_password),
            ("REGISTRY_SMTP_URL", &mut self.smtp_url),
            ("REGISTRY_PUBLIC_URL", &mut self.public_url),
        ] {
            if let Some(v) = env(name) {
                *slot = Some(v);
            }
        }
        if let Some(v) = env("REGISTRY_REMINDER_INTERVAL_SECS") {
            self.reminder_interval_secs = v.trim().parse().map_err(|_| {
                bad(
                    "REGISTRY_REMINDER_INTERVAL_SECS",
                    format!("{v:?} is not a whole number of seconds"),
                )
            })?;
        }
        if let Some(v) = env("REGISTRY_TRUSTED_PROXIES") {
            self.trusted_proxies =
                parse_proxies(&v).map_err(|e| bad("REGISTRY_TRUSTED_PROXIES", e))?;
        }
        if let Some(v) = env("REGISTRY_LOG_FORMAT") {
            self.log_format = match v.trim() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(bad(
                        "REGISTRY_LOG_FORMAT",
                        format!("{other:?} is neither \"text\" nor \"json\""),
                    ))
                }
            };
        }
        Ok(())
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
        let positive: [(&str, i64); 6] = [
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
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_documented_defaults_are_the_built_in_ones() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml"))
                .unwrap();
        let file: FileSettings = toml::from_str(&text).unwrap();
        let mut from_file = Settings::default();
        from_file.apply_file(file).unwrap();
        assert_eq!(
            format!("{from_file:?}"),
            format!("{:?}", Settings::default())
        );
        assert_eq!(from_file.db_pool_size, Settings::default().db_pool_size);
        assert_eq!(
            from_file.login_window_secs,
            Settings::default().login_window_secs
        );
        assert_eq!(
            from_file.auth_cache_secs,
            Settings::default().auth_cache_secs
        );
    }

    #[test]
    fn environment_overrides_and_bad_values_name_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::load(dir.path(), &env_of(&[("REGISTRY_BIND", "0.0.0.0:9000")])).unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        let e = Settings::load(dir.path(), &env_of(&[("REGISTRY_BIND", "nonsense")])).unwrap_err();
        assert!(e.to_string().contains("REGISTRY_BIND"), "{e}");
        let e =
            Settings::load(dir.path(), &env_of(&[("DATABASE_URL", "mysql://x/y")])).unwrap_err();
        assert!(e.to_string().contains("DATABASE_URL"), "{e}");
        let e = Settings::load(
            dir.path(),
            &env_of(&[("REGISTRY_REMINDER_INTERVAL_SECS", "soon")]),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("REGISTRY_REMINDER_INTERVAL_SECS"),
            "{e}"
        );
        let e = Settings::load(dir.path(), &env_of(&[("REGISTRY_SMTP_URL", "http://mail")]))
            .unwrap_err();
        assert!(e.to_string().contains("REGISTRY_SMTP_URL"), "{e}");
    }

    #[test]
    fn a_file_with_an_unknown_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("local.toml"), "bnd = \"x\"\n").unwrap();
        let e = Settings::load(dir.path(), &|_| None).unwrap_err();
        assert!(e.to_string().contains("local.toml"), "{e}");
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = Settings {
            jwt_secret: Some("super-secret-value-of-at-least-32-chars".into()),
            admin_password: Some("hunter2hunter2".into()),
            smtp_url: Some("smtp://user:pw123@mail:25".into()),
            database_url: DbUrl::parse("postgres://u:dbpass@h/db").unwrap(),
            ..Settings::default()
        };
        let shown = format!("{s:?}");
        for secret in ["super-secret", "hunter2", "pw123", "dbpass"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
