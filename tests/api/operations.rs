//! The operations kit: `GET /metrics` scraped as Prometheus would, off unless configured, and
//! behind its token when so configured.

use actix_web::http::Method;
use registry::config::MetricsAccess;
use serde_json::json;

use crate::support::*;

async fn scraped(backend: Backend) {
    let Some(t) = TestApp::start_with(backend, |s| s.metrics = MetricsAccess::Open).await else {
        return;
    };
    let s = t.service("Metrics").await;
    t.get(&format!("/api/v1/services/{s}"), &t.admin)
        .await
        .expect(200);
    t.get("/api/v1/services/not-an-id", &t.admin)
        .await
        .expect(404);
    t.post("/api/v1/admin/reminders/run", &t.admin, json!({}))
        .await
        .expect(200);
    let res = t
        .call(Method::GET, "/metrics", None, None)
        .await
        .expect(200);
    let ctype = res.header("content-type").unwrap_or_default();
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    let body = res.text();
    // Routes are labelled by pattern, so ids never become labels.
    assert!(
        body.contains(r#"registry_http_request_duration_seconds_count{route="/api/v1/services/{id}",method="GET",status="200"} 1"#),
        "{body}"
    );
    assert!(body.contains(r#"route="/api/v1/services/{id}",method="GET",status="404""#));
    assert!(body.contains(r#"le="+Inf""#));
    assert!(!body.contains(&s), "no record id in a label");
    for line in [
        "registry_db_pool_connections ",
        "registry_db_pool_max_connections ",
        r#"registry_outbox_deliveries{state="pending"} "#,
        r#"registry_outbox_deliveries{state="dead"} 0"#,
        "registry_reminder_scan_duration_seconds ",
        "registry_reminder_scan_detected ",
        "registry_build_info{version=",
    ] {
        assert!(body.contains(line), "{line} in {body}");
    }
    // Every sample line is `name{labels} value` with a number for value.
    for l in body.lines().filter(|l| !l.starts_with('#')) {
        let value = l.rsplit(' ').next().unwrap_or_default();
        assert!(value.parse::<f64>().is_ok(), "{l}");
    }
}

#[actix_web::test]
async fn metrics_are_scraped_as_prometheus_reads_them_sqlite() {
    scraped(Backend::Sqlite).await;
}

#[actix_web::test]
async fn metrics_are_scraped_as_prometheus_reads_them_postgres() {
    scraped(Backend::Postgres).await;
}

#[actix_web::test]
async fn metrics_are_off_by_default_and_behind_their_token_when_asked() {
    let Some(t) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    t.call(Method::GET, "/metrics", None, None)
        .await
        .problem(404);
    let token = "a-metrics-token-of-some-length";
    let Some(t) = TestApp::start_with(Backend::Sqlite, |s| {
        s.metrics = MetricsAccess::Token;
        s.metrics_token = Some(token.into());
    })
    .await
    else {
        return;
    };
    t.call(Method::GET, "/metrics", None, None)
        .await
        .problem(401);
    t.call(
        Method::GET,
        "/metrics",
        Some("wrong-token-of-the-same-size!!"),
        None,
    )
    .await
    .problem(401);
    t.call(Method::GET, "/metrics", Some(token), None)
        .await
        .expect(200);
    // A token too short to be one stops the start.
    let dir = tempfile::tempdir().expect("a folder");
    for token in [Some("short"), None] {
        let env = move |k: &str| match k {
            "REGISTRY_METRICS" => Some("token".to_string()),
            "REGISTRY_METRICS_TOKEN" => token.map(str::to_string),
            _ => None,
        };
        let refused = registry::config::Settings::load(dir.path(), &env);
        assert!(
            refused.is_err_and(|e| e.name == "REGISTRY_METRICS_TOKEN"),
            "{token:?}"
        );
    }
}

/// The shipped systemd unit is hardened and `systemd-analyze verify` finds nothing in it (run
/// against this build's binary). Skipped where systemd-analyze is not installed.
#[test]
fn the_systemd_unit_is_hardened_and_verifies() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/registry.service"
    ))
    .expect("deploy/registry.service");
    for line in [
        "User=registry",
        "ProtectSystem=strict",
        "StateDirectory=registry",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "UMask=0077",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} in the unit");
    }
    let dir = tempfile::tempdir().expect("a folder");
    let copy = dir.path().join("registry.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/local/bin/registry", env!("CARGO_BIN_EXE_registry")),
    )
    .expect("write the unit");
    match std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
    {
        Err(e) => eprintln!("skipped: systemd-analyze is not installed ({e})"),
        Ok(out) => {
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success() && said.trim().is_empty(), "{said}");
        }
    }
}
