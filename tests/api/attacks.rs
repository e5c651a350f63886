//! The defects found by attacking the running server (issue 11), each held by a test.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use futures_util::future::join_all;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    a_burst_of_guesses_checks_at_most_the_limit,
    a_bogus_invitation_is_refused_before_any_hash,
    invitation_tries_are_throttled_per_address,
    a_supervisor_records_sessions_only_in_services_they_supervise_in,
    control_characters_are_refused_everywhere_naming_the_field,
    malformed_bodies_and_loose_dates_are_refused,
    a_lead_changes_only_their_services_policy_and_courses,
);

#[actix_web::test]
async fn a_body_that_never_arrives_answers_408() {
    let Some(t) = TestApp::start_with(Backend::Sqlite, |s| s.body_timeout_secs = 1).await else {
        return;
    };
    let addr = t.serve();
    let answer = raw_exchange(
        addr,
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"em".to_vec(),
        std::time::Duration::from_secs(10),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}

/// What the parser refuses is answered as problem details too, on a real socket.
#[actix_web::test]
async fn refusals_by_the_http_parser_are_problem_details() {
    let Some(t) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let addr = t.serve();
    let wait = std::time::Duration::from_secs(10);
    let ok = raw_exchange(
        addr,
        b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        wait,
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let long = format!(
        "GET /api/v1/{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let many: String = (0..120).map(|i| format!("X-H{i}: v\r\n")).collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a URI over 70,000 characters", long.into_bytes(), "400"),
        (
            "a raw 0xFF in the path",
            b"GET /api/v1/\xff HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            "400",
        ),
        (
            "a raw NUL in the path",
            b"GET /api/v1/\x00 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            "400",
        ),
        (
            "a control character in X-Request-Id",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\x01b\r\n\r\n".to_vec(),
            "400",
        ),
        (
            "too many headers",
            format!("GET /health HTTP/1.1\r\nHost: x\r\n{many}\r\n").into_bytes(),
            "431",
        ),
        (
            "headers too large",
            format!(
                "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
                "b".repeat(140_000)
            )
            .into_bytes(),
            "431",
        ),
    ];
    for (what, raw, status) in cases {
        let answer = raw_exchange(addr, raw, wait).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{what}: {answer:.200}"
        );
        assert!(
            answer.contains("content-type: application/problem+json"),
            "{what}: {answer}"
        );
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let p: serde_json::Value =
            serde_json::from_str(body).unwrap_or_else(|_| panic!("{what}: {answer}"));
        assert_eq!(p["status"].to_string(), status, "{what}");
    }
}

#[actix_web::test]
async fn files_holding_personal_data_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let Some(t) = TestApp::start_with(Backend::Sqlite, |s| s.smtp_url = None).await else {
        return;
    };
    let s = t.service("North").await;
    t.post(
        "/api/v1/practitioners",
        &t.admin,
        json!({"email": "invited@registry.test", "full_name": "Invited", "service_id": s,
               "practitioner_role": "pwp", "stage": "trainee", "wte": 1.0}),
    )
    .await
    .expect(201);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let outbox = t.state.settings.data_dir.join("outbox");
    assert_eq!(mode(&outbox), 0o700);
    let mails: Vec<_> = std::fs::read_dir(&outbox).unwrap().flatten().collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(mode(&mails[0].path()), 0o600);
    let registry::db::DbUrl::Sqlite(db) = &t.state.settings.database_url else {
        panic!("SQLite")
    };
    let db = db.trim_start_matches("sqlite://").to_string();
    for f in [db.clone(), format!("{db}-wal"), format!("{db}-shm")] {
        assert_eq!(mode(std::path::Path::new(&f)), 0o600, "{f}");
    }
}

async fn a_burst_of_guesses_checks_at_most_the_limit(t: TestApp) {
    let guess = |i: usize| {
        t.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": format!("guess-number-{i}")})),
        )
    };
    let answers = join_all((0..40).map(guess)).await;
    let checked = answers.iter().filter(|r| r.status == 401).count();
    let throttled = answers.iter().filter(|r| r.status == 429).count();
    assert!(
        checked <= 5,
        "{checked} passwords were checked against a limit of 5"
    );
    assert_eq!(checked + throttled, 40);
    // The right password, once the limit is reached, is refused too.
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
    )
    .await
    .problem(429);
}

async fn a_bogus_invitation_is_refused_before_any_hash(t: TestApp) {
    // One hashing thread and no queue: had the bogus tokens been hashed first, most of a
    // concurrent burst would find the pool busy (503). Looked up first, every one is a 400.
    let settings = (*t.state.settings).clone();
    let tight = actix_web::web::block(move || {
        let mut s = settings;
        s.hash_workers = 1;
        s.hash_queue = 0;
        s.login_max_failures_per_address = 1000;
        registry::build_state(s)
    })
    .await
    .unwrap()
    .unwrap();
    let app =
        actix_web::test::init_service(registry::build_app(actix_web::web::Data::new(tight))).await;
    let answers = join_all((0..24).map(|i| {
        let req = TestRequest::post()
            .uri("/api/v1/auth/accept-invite")
            .set_json(json!({"token": format!("bogus-{i}"), "password": "a-long-enough-password"}))
            .to_request();
        actix_web::test::call_service(&app, req)
    }))
    .await;
    for res in answers {
        assert_eq!(res.status().as_u16(), 400);
    }
}

async fn invitation_tries_are_throttled_per_address(t: TestApp) {
    let attempt = |i: usize| {
        TestRequest::post()
            .uri("/api/v1/auth/accept-invite")
            .peer_addr("198.51.100.20:4000".parse().unwrap())
            .set_json(json!({"token": format!("bogus-{i}"), "password": "a-long-enough-password"}))
    };
    for i in 0..30 {
        t.send(attempt(i)).await.problem(400);
    }
    let res = t.send(attempt(99)).await;
    assert!(res.header("retry-after").is_some());
    res.problem(429);
    // Another address is not held up.
    t.send(
        TestRequest::post()
            .uri("/api/v1/auth/accept-invite")
            .peer_addr("198.51.100.21:4000".parse().unwrap())
            .set_json(json!({"token": "bogus", "password": "a-long-enough-password"})),
    )
    .await
    .problem(400);
}

async fn a_supervisor_records_sessions_only_in_services_they_supervise_in(t: TestApp) {
    let a = t.service("Service A").await;
    let b = t.service("Service B").await;
    let (sup, sup_token) = t.person(&a, "sup.a@registry.test", &["supervisor"]).await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let (other, other_token) = t.person(&b, "pwp.b@registry.test", &["practitioner"]).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let session = |supervisee: &str| {
        json!({"supervisee_id": supervisee, "supervisor_id": sup, "held_on": today, "duration_minutes": 60,
               "supervision_type": "case_management", "format": "individual"})
    };
    // Another service's person answers exactly as an unknown id does, and nothing is written.
    let real = t
        .post("/api/v1/supervision-logs", &sup_token, session(&other))
        .await
        .problem(422);
    let unknown = t
        .post(
            "/api/v1/supervision-logs",
            &sup_token,
            session(&uuid::Uuid::now_v7().to_string()),
        )
        .await
        .problem(422);
    assert_eq!(real, unknown);
    assert_eq!(real["errors"][0]["field"], "supervisee_id");
    assert_eq!(t.count("supervision_logs"), 0);
    // Nor may B's practitioner name A's supervisor, so being named opens nothing.
    let p = t
        .post(
            "/api/v1/supervision-logs",
            &other_token,
            json!({"supervisor_id": sup, "held_on": today, "duration_minutes": 60,
                   "supervision_type": "case_management", "format": "individual"}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "supervisor_id");
    t.get(
        &format!("/api/v1/practitioners/{other}/supervision-compliance"),
        &sup_token,
    )
    .await
    .problem(404);
    // Only an admin links a supervisor to another service; then it works.
    let (_, lead_a) = t
        .person(&a, "lead.a@registry.test", &["training_lead"])
        .await;
    t.call(
        Method::PUT,
        &format!("/api/v1/supervisors/{sup}/services"),
        Some(&lead_a),
        Some(json!({"service_ids": [b]})),
    )
    .await
    .problem(403);
    let linked = t
        .call(
            Method::PUT,
            &format!("/api/v1/supervisors/{sup}/services"),
            Some(&t.admin),
            Some(json!({"service_ids": [b]})),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(linked["service_ids"], json!([b]));
    t.post("/api/v1/supervision-logs", &sup_token, session(&other))
        .await
        .expect(201);
    t.get(
        &format!("/api/v1/practitioners/{other}/supervision-compliance"),
        &sup_token,
    )
    .await
    .expect(200);
}

async fn control_characters_are_refused_everywhere_naming_the_field(t: TestApp) {
    // Without a login: the login email.
    let p = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "a\u{0}b@registry.test", "password": "whatever-it-is"})),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "email");
    // A service name, and a query string.
    let p = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "North\u{0}", "provider": "p\nq"}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");
    let p = t
        .get("/api/v1/practitioners?q=%00", &t.admin)
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "q");
    // Free text keeps its line breaks.
    let s = t.service("East").await;
    let (me, token) = t
        .person(&s, "writer@registry.test", &["practitioner"])
        .await;
    t.post(
        &format!("/api/v1/practitioners/{me}/cpd"),
        &token,
        json!({"title": "Workshop", "held_on": "2026-01-05", "hours": 2.0, "category": "workshop",
               "cbt_related": true, "reflective_statement": "first line\nsecond line"}),
    )
    .await
    .expect(201);
    let p = t
        .post(
            &format!("/api/v1/practitioners/{me}/cpd"),
            &token,
            json!({"title": "Work\u{0}shop", "held_on": "2026-01-05", "hours": 2.0, "category": "workshop",
                   "cbt_related": true}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "title");
}

async fn malformed_bodies_and_loose_dates_are_refused(t: TestApp) {
    let res = t
        .send(
            TestRequest::post()
                .uri("/api/v1/services")
                .insert_header(("authorization", format!("Bearer {}", t.admin)))
                .insert_header(("content-type", "application/json"))
                .set_payload(r#"{"name":"Trailing","provider":"p"}GARBAGE"#),
        )
        .await;
    res.problem(400);
    assert_eq!(t.count("services"), 0);
    let s = t.service("West").await;
    let (me, token) = t.person(&s, "dates@registry.test", &["practitioner"]).await;
    let p = t
        .post(
            &format!("/api/v1/practitioners/{me}/cpd"),
            &token,
            json!({"title": "Workshop", "held_on": "2026-1-5", "hours": 2.0, "category": "workshop",
                   "cbt_related": true}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "held_on");
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("YYYY-MM-DD"));
    t.get("/api/v1/supervision-logs?from=2026-1-5", &token)
        .await
        .problem(422);
}

fn registry_cli(args: &[&str], db: &std::path::Path, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(args)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", db.join("r.db").display()),
        )
        .env("REGISTRY_DATA_DIR", db)
        .env("REGISTRY_CONFIG_DIR", db)
        .env_remove("REGISTRY_ADMIN_EMAIL")
        .env_remove("REGISTRY_ADMIN_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run registry");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn create_user_checks_what_the_api_checks() {
    let dir = tempfile::tempdir().unwrap();
    let out = registry_cli(
        &["create-user", "--email", "not-an-email"],
        dir.path(),
        "a-long-admin-password\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("email"));
    // A lead needs a service (and the rest of what the API asks for), and a name.
    let out = registry_cli(
        &[
            "create-user",
            "--email",
            "lead@registry.test",
            "--roles",
            "training_lead",
        ],
        dir.path(),
        "a-long-lead-password\n",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("full-name") || err.contains("service-id"),
        "{err}"
    );
    let out = registry_cli(
        &["create-user", "--email", "admin@registry.test"],
        dir.path(),
        "a-long-admin-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The files it wrote are the registry's alone.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("r.db"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

async fn case_management_minutes(t: &TestApp, who: &str) -> i64 {
    let c = t
        .get(
            &format!("/api/v1/practitioners/{who}/supervision-compliance"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    c["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["supervision_type"] == "case_management")
        .map(|i| i["required_minutes"].as_i64().unwrap())
        .expect("a case management item")
}

async fn a_lead_changes_only_their_services_policy_and_courses(t: TestApp) {
    let a = t.service("Service A").await;
    let b = t.service("Service B").await;
    let (_, lead_a) = t
        .person(&a, "lead.a@registry.test", &["training_lead"])
        .await;
    let (_, lead_b) = t
        .person(&b, "lead.b@registry.test", &["training_lead"])
        .await;
    let (pwp_a, _) = t.person(&a, "pwp.a@registry.test", &["practitioner"]).await;
    let (pwp_b, _) = t.person(&b, "pwp.b@registry.test", &["practitioner"]).await;
    let put = |token: String, path: &'static str, body: serde_json::Value| {
        let t = &t;
        async move { t.call(Method::PUT, path, Some(&token), Some(body)).await }
    };
    // An empty policy is refused, whoever sends it.
    for token in [&lead_a, &t.admin] {
        let p = put(
            token.clone(),
            "/api/v1/supervision-policy",
            json!({"rules": []}),
        )
        .await
        .problem(422);
        assert_eq!(p["errors"][0]["field"], "rules");
    }
    // A's lead changes A's rules only.
    let mut policy = t
        .get("/api/v1/supervision-policy", &lead_a)
        .await
        .expect(200)
        .json();
    for r in policy["rules"].as_array_mut().unwrap() {
        if r["practitioner_role"] == "pwp" && r["supervision_type"] == "case_management" {
            r["min_minutes"] = json!(90);
        }
    }
    let saved = put(lead_a.clone(), "/api/v1/supervision-policy", policy.clone())
        .await
        .expect(200)
        .json();
    assert_eq!(saved["service_id"], json!(a));
    let own: Vec<_> = saved["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scope"] == "service")
        .collect();
    assert_eq!(own.len(), 1, "only the changed rule is A's own: {saved}");
    assert_eq!(case_management_minutes(&t, &pwp_a).await, 90);
    assert_eq!(case_management_minutes(&t, &pwp_b).await, 60);
    let path_b = format!("/api/v1/supervision-policy?service_id={b}");
    t.call(Method::PUT, &path_b, Some(&lead_a), Some(policy.clone()))
        .await
        .problem(403);
    t.get(&path_b, &lead_a).await.problem(404);
    // B's lead sees nothing of A's change; the registry-wide rules are the admin's, and a
    // change to them shows in every lead's trail.
    let events = t
        .get(
            "/api/v1/audit/events?entity_type=supervision_policy",
            &lead_b,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(events["items"].as_array().unwrap().len(), 0, "{events}");
    for r in policy["rules"].as_array_mut().unwrap() {
        if r["practitioner_role"] == "pwp" && r["supervision_type"] == "case_management" {
            r["min_minutes"] = json!(45);
        }
    }
    put(t.admin.clone(), "/api/v1/supervision-policy", policy)
        .await
        .expect(200);
    assert_eq!(case_management_minutes(&t, &pwp_b).await, 45);
    assert_eq!(
        case_management_minutes(&t, &pwp_a).await,
        90,
        "A keeps its own rule"
    );
    let events = t
        .get(
            "/api/v1/audit/events?entity_type=supervision_policy",
            &lead_b,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
    // A's own rules removed: A follows the registry again.
    t.call(
        Method::DELETE,
        "/api/v1/supervision-policy",
        Some(&lead_a),
        None,
    )
    .await
    .expect(200);
    assert_eq!(case_management_minutes(&t, &pwp_a).await, 45);

    // Courses: an admin's course, or one another service uses, is the admin's to change.
    let course = |title: &str| {
        json!({"title": title, "provider": "Provider", "modality": "li_cbt", "body": "BPS",
               "kind": "practitioner_training", "accredited_from": "2024-01-01", "accredited_until": "2030-12-31"})
    };
    let shared = t
        .post("/api/v1/courses", &t.admin, course("Shared"))
        .await
        .expect(201)
        .json();
    let sid = shared["id"].as_str().unwrap();
    let change = json!({"accredited_until": "2027-01-01"});
    t.patch(&format!("/api/v1/courses/{sid}"), &lead_a, change.clone())
        .await
        .problem(403);
    let mine = t
        .post("/api/v1/courses", &lead_a, course("A's own"))
        .await
        .expect(201)
        .json();
    let mid = mine["id"].as_str().unwrap();
    t.patch(&format!("/api/v1/courses/{mid}"), &lead_a, change.clone())
        .await
        .expect(200);
    t.post(
        "/api/v1/required-courses",
        &lead_b,
        json!({"service_id": b, "course_id": mid}),
    )
    .await
    .expect(201);
    t.patch(
        &format!("/api/v1/courses/{mid}"),
        &lead_a,
        json!({"accredited_until": "2026-12-31"}),
    )
    .await
    .problem(403);
    t.patch(&format!("/api/v1/courses/{sid}"), &t.admin, change)
        .await
        .expect(200);
    // The admin's change to a shared course shows in each lead's trail.
    let events = t
        .get(&format!("/api/v1/audit/events?entity_id={sid}"), &lead_b)
        .await
        .expect(200)
        .json();
    assert_eq!(events["items"].as_array().unwrap().len(), 2, "{events}");
}
