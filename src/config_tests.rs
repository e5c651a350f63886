//! The settings' tests, beside `config.rs` to keep it short.
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
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml"))
        .unwrap();
    let file: FileSettings = toml::from_str(&text).unwrap();
    let mut from_file = Settings::default();
    from_file.apply_file(file);
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
    let e = Settings::load(dir.path(), &env_of(&[("DATABASE_URL", "mysql://x/y")])).unwrap_err();
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
    let e =
        Settings::load(dir.path(), &env_of(&[("REGISTRY_SMTP_URL", "http://mail")])).unwrap_err();
    assert!(e.to_string().contains("REGISTRY_SMTP_URL"), "{e}");
}

#[test]
fn every_setting_is_documented_in_the_default_file() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml"))
        .unwrap();
    for (key, env) in Settings::KEYS {
        let listed = text.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.starts_with(&format!("{key} ="))
        });
        assert!(listed, "config/default.toml does not list {key}");
        if let Some(env) = env {
            assert!(
                text.contains(env),
                "config/default.toml does not name {env}"
            );
        }
    }
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
