//! How the house is kept: migrations up, down and up again on both backends; both backends end
//! with the same tables and columns; the app answers 503 while its database is gone and
//! recovers; every route is documented and every documented path routed.

use diesel::migration::MigrationSource;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

/// Applies each migration, reverts it and applies it again, in order, as Lemmy's schema setup
/// checks its own: a `down.sql` that does not undo its `up.sql` fails here.
fn up_down_up<C, DB>(conn: &mut C, source: diesel_migrations::EmbeddedMigrations)
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    diesel_migrations::EmbeddedMigrations: MigrationSource<DB>,
{
    // Makes diesel's own table of applied migrations.
    conn.applied_migrations().expect("migration table");
    let migrations = MigrationSource::<DB>::migrations(&source).expect("migrations");
    assert!(migrations.len() >= 9);
    for m in &migrations {
        let name = m.name().to_string();
        conn.run_migration(m.as_ref())
            .unwrap_or_else(|e| panic!("up {name}: {e}"));
        conn.revert_migration(m.as_ref())
            .unwrap_or_else(|e| panic!("down {name}: {e}"));
        conn.run_migration(m.as_ref())
            .unwrap_or_else(|e| panic!("up again {name}: {e}"));
    }
}

#[test]
fn every_migration_goes_up_down_and_up_on_sqlite() {
    let (_db, url) = TestDb::create_empty(Backend::Sqlite).unwrap();
    let mut conn =
        diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
    up_down_up(&mut conn, registry::db::SQLITE_MIGRATIONS);
}

#[test]
fn every_migration_goes_up_down_and_up_on_postgres() {
    let Some((_db, url)) = TestDb::create_empty(Backend::Postgres) else {
        return;
    };
    let mut conn = diesel::PgConnection::establish(&url).unwrap();
    up_down_up(&mut conn, registry::db::POSTGRES_MIGRATIONS);
}

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    nullable: bool,
}

#[test]
fn both_backends_end_with_the_same_tables_columns_and_nullability() {
    let Some((_pg, pg_url)) = TestDb::create(Backend::Postgres) else {
        return;
    };
    let (_lite, lite_url) = TestDb::create(Backend::Sqlite).unwrap();
    let mut lite =
        diesel::SqliteConnection::establish(lite_url.trim_start_matches("sqlite://")).unwrap();
    lite.run_pending_migrations(registry::db::SQLITE_MIGRATIONS)
        .unwrap();
    let mut pg = diesel::PgConnection::establish(&pg_url).unwrap();
    pg.run_pending_migrations(registry::db::POSTGRES_MIGRATIONS)
        .unwrap();
    let mut sqlite_cols: Vec<Column> = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, \
                (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
           AND m.name <> '__diesel_schema_migrations'",
    )
    .load(&mut lite)
    .unwrap();
    let mut pg_cols: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                (is_nullable = 'YES') AS nullable \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut pg)
    .unwrap();
    sqlite_cols.sort();
    pg_cols.sort();
    let only = |a: &[Column], b: &[Column]| -> Vec<String> {
        a.iter()
            .filter(|c| !b.contains(c))
            .map(|c| format!("{}.{} nullable={}", c.table_name, c.column_name, c.nullable))
            .collect()
    };
    assert!(
        sqlite_cols == pg_cols,
        "only on SQLite: {:?}\nonly on PostgreSQL: {:?}",
        only(&sqlite_cols, &pg_cols),
        only(&pg_cols, &sqlite_cols)
    );
}

/// The clock in the app state: a test pins "today", and a write, its `updated_at` and its
/// audit event carry the one instant the use case read.
#[actix_web::test]
async fn the_clock_is_read_once_and_can_be_pinned() {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 6, 15)
        .unwrap()
        .and_hms_micro_opt(9, 30, 0, 123_456)
        .unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(t) = TestApp::start_at(backend, at).await else {
            continue;
        };
        let s = t.service("North").await;
        let (sup, _) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
        t.train_supervisor(&sup, "li_cbt", "BPS").await;
        let (me, pwp) = t.person(&s, "pwp@registry.test", &["practitioner"]).await;
        // Tomorrow, as the pinned clock has it, is in the future.
        let p = t
            .post(
                "/api/v1/supervision-logs",
                &pwp,
                json!({"supervisor_id": sup, "held_on": "2026-06-16", "duration_minutes": 60,
                       "supervision_type": "case_management", "format": "individual"}),
            )
            .await
            .problem(422);
        assert_eq!(p["errors"][0]["field"], "held_on");
        let log = t
            .post(
                "/api/v1/supervision-logs",
                &pwp,
                json!({"supervisor_id": sup, "held_on": "2026-06-15", "duration_minutes": 60,
                       "supervision_type": "case_management", "format": "individual"}),
            )
            .await
            .expect(201)
            .json();
        assert_eq!(log["created_at"], "2026-06-15T09:30:00.123456Z");
        assert_eq!(log["created_at"], log["updated_at"]);
        let events = t
            .get(
                &format!(
                    "/api/v1/audit/events?entity_id={}",
                    log["id"].as_str().unwrap()
                ),
                &t.admin,
            )
            .await
            .expect(200)
            .json();
        assert_eq!(events["items"][0]["at"], log["created_at"]);
        let c = t
            .get(
                &format!("/api/v1/practitioners/{me}/supervision-compliance"),
                &pwp,
            )
            .await
            .expect(200)
            .json();
        assert_eq!(c["as_of"], "2026-06-15");
    }
}

#[actix_web::test]
async fn requests_answer_503_while_the_database_is_gone_and_recover() {
    let url = pg_admin_url();
    let mut upstream = url::Url::parse(&url).unwrap();
    let host = upstream.host_str().unwrap_or("127.0.0.1").to_string();
    let port = upstream.port().unwrap_or(5432);
    let Some(addr) = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
        .ok()
        .and_then(|mut a| a.next())
    else {
        return;
    };
    let proxy = CutProxy::start(addr);
    upstream.set_port(Some(proxy.port)).unwrap();
    let mut through = upstream;
    through.set_port(Some(proxy.port)).unwrap();
    let through = through.to_string();
    let Some(t) = TestApp::start_on(Backend::Postgres, through, |s| {
        s.db_connect_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    t.call(actix_web::http::Method::GET, "/health", None, None)
        .await
        .expect(200);
    proxy.cut();
    let p = t
        .call(actix_web::http::Method::GET, "/health", None, None)
        .await
        .problem(503);
    assert!(p["detail"].as_str().unwrap().contains("database"), "{p}");
    t.get("/api/v1/services", &t.admin).await.problem(503);
    proxy.restore();
    let mut recovered = false;
    for _ in 0..20 {
        let res = t.get("/api/v1/services", &t.admin).await;
        if res.status == 200 {
            recovered = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(recovered, "the app came back with its database");
}

/// Every `resource(PATH, METHODS)` the source registers, read from the source itself: the one
/// place a route and the methods it answers are declared.
fn registered_routes() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            // Web pages (HTML for people: `pages.rs` and `src/web/`) are not API operations.
            if p.file_name().is_some_and(|n| n == "pages.rs")
                || p.components().any(|c| c.as_os_str() == "web")
            {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for part in flat.split("resource(\"").skip(1) {
                let Some((path, rest)) = part.split_once('"') else {
                    continue;
                };
                let Some(methods) = rest.trim_start_matches([',', ' ']).strip_prefix('"') else {
                    continue;
                };
                let Some((methods, _)) = methods.split_once('"') else {
                    continue;
                };
                for m in methods.split(',') {
                    out.push((m.trim().to_string(), path.to_string()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

both!(
    every_route_is_documented_and_every_documented_path_is_routed,
    a_failing_eligibility_check_stops_the_log,
    typed_columns_refuse_unknown_values_and_never_default,
    invitations_go_through_the_outbox_and_their_token_is_never_stored,
    use_cases_run_against_the_database_without_http,
    a_backup_taken_while_serving_restores_with_its_audit_chain_intact,
);

/// `registry backup` copies the SQLite database while it serves; the copy opens as a registry
/// database with every record and an intact audit chain. PostgreSQL is pointed to pg_dump.
async fn a_backup_taken_while_serving_restores_with_its_audit_chain_intact(t: TestApp) {
    for name in ["North", "South"] {
        t.service(name).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.db");
    let mut conn = t.state.pool.get().expect("conn");
    let made = registry::db::backup(&mut conn, &path);
    if t.backend == Backend::Postgres {
        assert!(made.unwrap_err().contains("pg_dump"));
        return;
    }
    made.unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(registry::db::backup(&mut conn, &path)
        .unwrap_err()
        .contains("exists already"));
    let url = registry::db::DbUrl::Sqlite(path.to_string_lossy().to_string());
    let restored = registry::db::connect(&url, 1, 5, dir.path()).unwrap();
    let mut copy = restored.get().unwrap();
    let verified = registry::audit::queries::verify(&mut copy).unwrap();
    assert!(verified.intact && verified.events >= 2, "{verified:?}");
    use diesel::prelude::*;
    let services: i64 = registry::db::schema::services::table
        .count()
        .get_result(&mut copy)
        .unwrap();
    assert_eq!(services, t.count("services"));
}

/// A use case is a plain function of a connection, a caller, an input and the time: called
/// here with no HTTP at all, its write, its `updated_at` and its audit event share one instant.
async fn use_cases_run_against_the_database_without_http(t: TestApp) {
    use registry::auth::policy::{Caller, Role};
    let me = t.get("/api/v1/me", &t.admin).await.expect(200).json();
    let caller = Caller {
        id: me["id"].as_str().unwrap().to_string(),
        email: me["email"].as_str().unwrap().to_string(),
        full_name: me["full_name"].as_str().unwrap().to_string(),
        roles: vec![Role::Admin],
        service_id: None,
        session_id: "no-session".into(),
    };
    let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 4)
        .unwrap()
        .and_hms_micro_opt(5, 6, 7, 8)
        .unwrap();
    let mut conn = t.state.pool.get().expect("conn");
    let input: registry::services::NewService =
        serde_json::from_value(json!({"name": "  Direct  ", "provider": "Trust"})).unwrap();
    let made = registry::services::create_service(&mut conn, &caller, input, at).unwrap();
    assert_eq!(
        (made.name.as_str(), made.created_at, made.updated_at),
        ("Direct", at, at)
    );
    let read = registry::services::get_service(&mut conn, &made.id).unwrap();
    assert_eq!(read.updated_at, at);
    let stamp = at.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    assert_eq!(
        t.count(&format!(
            "audit_events WHERE entity_id = '{}' AND action = 'create' AND CAST(at AS TEXT) LIKE '{}%'",
            made.id,
            &stamp[..19]
        )),
        1,
        "the audit event carries the write's instant"
    );
    // Refused the same way as over HTTP: a practitioner may not create a service.
    let nobody = Caller {
        roles: vec![Role::Practitioner],
        ..caller
    };
    let input: registry::services::NewService =
        serde_json::from_value(json!({"name": "X", "provider": "Y"})).unwrap();
    assert!(matches!(
        registry::services::create_service(&mut conn, &nobody, input, at),
        Err(registry::error::AppError::Forbidden(_))
    ));
}

/// An invitation is a delivery of the outbox: listed, retried when the mail server is down,
/// and its link's token rendered only into the message sent, never written to the database.
async fn invitations_go_through_the_outbox_and_their_token_is_never_stored(t: TestApp) {
    let s = t.service("North").await;
    let created = t.invite(&s, "invited@registry.test").await;
    assert_eq!(created["invitation"]["sent"], true);
    let token = t.smtp.wait_for(1).await[0].invitation_token();
    assert!(token.len() >= 40);
    // Nowhere in the database: not in the outbox, not in the invitations.
    for table in ["deliveries", "invitations", "notifications", "audit_events"] {
        let n = match table {
            "deliveries" => t.count(&format!(
                "deliveries WHERE body_text LIKE '%{token}%' OR body_html LIKE '%{token}%'"
            )),
            "invitations" => t.count(&format!(
                "invitations WHERE token_hash = '{token}' OR nonce = '{token}'"
            )),
            "notifications" => t.count(&format!("notifications WHERE summary LIKE '%{token}%'")),
            _ => t.count(&format!("audit_events WHERE after_value LIKE '%{token}%'")),
        };
        assert_eq!(n, 0, "the token is stored in {table}");
    }
    let listed = t
        .get("/api/v1/notifications?status=sent", &t.admin)
        .await
        .expect(200)
        .json();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "invitation"),
        "{listed}"
    );
    // The emailed token redeems.
    t.call(
        actix_web::http::Method::POST,
        "/api/v1/auth/accept-invite",
        None,
        Some(json!({"token": token, "password": PASSWORD})),
    )
    .await
    .expect(200);
}

/// With the mail server down the invitation waits in the outbox as failed, to be retried.
#[actix_web::test]
async fn an_invitation_that_cannot_be_sent_waits_in_the_outbox() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let Some(t) = TestApp::start_with(Backend::Sqlite, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await
    else {
        return;
    };
    let s = t.service("North").await;
    let created = t.invite(&s, "invited@registry.test").await;
    assert_eq!(created["invitation"]["sent"], false);
    let failed = t
        .get("/api/v1/notifications?status=failed", &t.admin)
        .await
        .expect(200)
        .json();
    let item = &failed["items"][0];
    assert_eq!(item["kind"], "invitation");
    assert_eq!(item["attempts"], 1);
}

/// A status the code does not know cannot be stored; and one that got in anyway (the guard
/// dropped) is an error answered as a 500, never read as some default.
async fn typed_columns_refuse_unknown_values_and_never_default(t: TestApp) {
    let s = t.service("North").await;
    let (sup, _) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let (_, pwp) = t.person(&s, "pwp@registry.test", &["practitioner"]).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let log = t
        .post(
            "/api/v1/supervision-logs",
            &pwp,
            json!({"supervisor_id": sup, "held_on": today, "duration_minutes": 60,
                   "supervision_type": "case_management", "format": "individual"}),
        )
        .await
        .expect(201)
        .json();
    let id = log["id"].as_str().unwrap();
    let mine = t.get("/api/v1/me", &pwp).await.expect(200).json();
    t.post(
        &format!(
            "/api/v1/practitioners/{}/accreditations",
            mine["id"].as_str().unwrap()
        ),
        &pwp,
        json!({"body": "BPS", "kind": "wpw_register", "membership_number": "W1",
               "valid_from": "2026-01-01", "expires_on": "2027-01-01"}),
    )
    .await
    .expect(201);
    for bad in [
        "UPDATE supervision_logs SET status = 'approved'",
        "UPDATE supervision_logs SET supervision_type = 'peer'",
        "UPDATE supervision_logs SET format = 'triad'",
        "UPDATE courses SET kind = 'webinar'",
        "UPDATE accreditations SET verification_method = 'a_hunch'",
        "UPDATE users SET stage = 'senior'",
        "UPDATE users SET roles = 'admin,superuser'",
        "INSERT INTO user_roles (user_id, role) SELECT id, 'superuser' FROM users",
    ] {
        assert!(t.try_sql(bad).is_err(), "{bad} was stored");
    }
    // Roles are rows too, written with the list: a lead made a supervisor is found as one.
    let me = t.get("/api/v1/me", &pwp).await.expect(200).json();
    let pid = me["id"].as_str().unwrap().to_string();
    t.patch(
        &format!("/api/v1/practitioners/{pid}"),
        &t.admin,
        json!({"roles": ["practitioner", "supervisor"]}),
    )
    .await
    .expect(200);
    assert_eq!(
        t.count(&format!("user_roles WHERE user_id = '{pid}'")),
        2,
        "the role rows follow the list"
    );
    let drop = match t.backend {
        Backend::Sqlite => "DROP TRIGGER supervision_logs_check_update",
        Backend::Postgres => {
            "ALTER TABLE supervision_logs DROP CONSTRAINT supervision_logs_supervision_type_check"
        }
    };
    t.sql(drop);
    t.sql("UPDATE supervision_logs SET supervision_type = 'peer'");
    t.get(&format!("/api/v1/supervision-logs/{id}"), &pwp)
        .await
        .problem(500);
    let me = t.get("/api/v1/me", &pwp).await.expect(200).json();
    t.get(
        &format!(
            "/api/v1/practitioners/{}/supervision-compliance",
            me["id"].as_str().unwrap()
        ),
        &pwp,
    )
    .await
    .problem(500);
}

/// The supervisor-eligibility check used to drop any error but a verdict: on SQLite the log was
/// then accepted unchecked, on PostgreSQL the aborted transaction failed later elsewhere. A
/// database error injected into the check (its table renamed away) must stop the log.
async fn a_failing_eligibility_check_stops_the_log(t: TestApp) {
    let s = t.service("North").await;
    let (sup, _) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let (_, pwp) = t.person(&s, "pwp@registry.test", &["practitioner"]).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let log = json!({"supervisor_id": sup, "held_on": today, "duration_minutes": 60,
                     "supervision_type": "case_management", "format": "individual"});
    t.sql("ALTER TABLE competency_assessments RENAME TO competency_assessments_gone");
    t.post("/api/v1/supervision-logs", &pwp, log.clone())
        .await
        .problem(500);
    assert_eq!(t.count("supervision_logs"), 0);
    t.sql("ALTER TABLE competency_assessments_gone RENAME TO competency_assessments");
    t.post("/api/v1/supervision-logs", &pwp, log)
        .await
        .expect(201);
}

async fn every_route_is_documented_and_every_documented_path_is_routed(t: TestApp) {
    let doc = t
        .call(
            actix_web::http::Method::GET,
            "/api/v1/openapi.json",
            None,
            None,
        )
        .await
        .expect(200)
        .json();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    let routes = registered_routes();
    assert!(routes.len() > 50, "{routes:?}");
    // Parameter names differ between the two (`{file}` and `{secret}.ics`): compare shapes.
    let shape = |p: &str| -> String {
        p.split('/')
            .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
            .collect::<Vec<_>>()
            .join("/")
    };
    for (method, path) in &routes {
        let known = documented.iter().any(|(m, p)| {
            m == method && (shape(p) == shape(path) || shape(p) == shape(&format!("/api/v1{path}")))
        });
        assert!(
            known,
            "{method} {path} is routed but not in the OpenAPI document"
        );
    }
    // Each documented operation reaches a handler: never the "no such path" answer, nor 405.
    let id = uuid::Uuid::now_v7().to_string();
    for (method, path) in &documented {
        let concrete: String = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    if seg.ends_with(".ics") || seg.contains("}.ics") {
                        "nosecret.ics".to_string()
                    } else {
                        id.clone()
                    }
                } else {
                    seg.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let m = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let body = (m != actix_web::http::Method::GET && m != actix_web::http::Method::DELETE)
            .then(|| json!({}));
        let res = t.call(m, &concrete, Some(&t.admin), body).await;
        let p: Value = res.json();
        assert_ne!(res.status.as_u16(), 405, "{method} {path}: {p}");
        assert!(
            !(res.status == 404
                && p["detail"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("no such path")),
            "{method} {path} is documented but not routed"
        );
    }
}
