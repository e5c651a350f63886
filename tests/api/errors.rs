use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    health_and_openapi_answer_without_a_token,
    bad_bodies_get_the_right_problem,
    unknown_paths_and_methods,
    request_ids_are_echoed,
    a_restart_keeps_every_record,
    a_database_failure_is_a_bare_500_and_writes_nothing,
    every_problem_of_a_request_is_named_at_once,
    messages_say_what_to_do,
    the_version_answers_without_a_token,
);

async fn the_version_answers_without_a_token(t: TestApp) {
    let v = t
        .call(actix_web::http::Method::GET, "/version", None, None)
        .await
        .expect(200)
        .json();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["schema"], registry::SCHEMA_VERSION);
}

/// A typo in a path names the path meant; a refusal names who may; a bulk sign-off refused for
/// one log names it.
async fn messages_say_what_to_do(t: TestApp) {
    let id = uuid::Uuid::now_v7();
    let p = t
        .patch(&format!("/api/v1/competencies/{id}"), &t.admin, json!({}))
        .await
        .problem(404);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("did you mean /api/v1/competences/{id}")),
        "{p}"
    );
    let docs = t.get("/docs", &t.admin).await.problem(404);
    assert!(
        docs["detail"]
            .as_str()
            .unwrap()
            .contains("did you mean /docs/"),
        "{docs}"
    );
    let s = t.service("Messages").await;
    let (_, pwp) = t.person(&s, "pwp@registry.test", &["practitioner"]).await;
    let refused = t.get("/api/v1/reports/workforce", &pwp).await.problem(403);
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("training_lead or admin"),
        "{refused}"
    );
    let services = t
        .post(
            "/api/v1/services",
            &pwp,
            json!({"name": "X", "provider": "Y"}),
        )
        .await
        .problem(403);
    assert!(
        services["detail"].as_str().unwrap().contains("admin role"),
        "{services}"
    );
    let (_, sup) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    let bulk = t
        .post(
            "/api/v1/supervision-logs/sign-off",
            &sup,
            json!({"ids": [id.to_string()]}),
        )
        .await
        .problem(404);
    assert!(
        bulk["detail"].as_str().unwrap().contains(&id.to_string()),
        "{bulk}"
    );
}

/// Creating a lead with half a body: one 422 names every missing field, every wrong type and
/// every field that breaks a rule, in words that say what to do.
async fn every_problem_of_a_request_is_named_at_once(t: TestApp) {
    let p = t
        .post(
            "/api/v1/practitioners",
            &t.admin,
            json!({"email": "not-an-email", "wte": "1", "stage": "senior", "started_on": "01/02/2026"}),
        )
        .await
        .problem(422);
    let errors = p["errors"].as_array().unwrap();
    let of = |f: &str| -> String {
        errors
            .iter()
            .find(|e| e["field"] == f)
            .map(|e| e["message"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{f} is not named: {p}"))
    };
    assert_eq!(of("full_name"), "is required");
    assert_eq!(of("service_id"), "is required");
    assert_eq!(of("wte"), "must be a number, without quotes");
    assert_eq!(of("stage"), "must be one of trainee, qualified");
    assert!(of("started_on").contains("YYYY-MM-DD"));
    assert_eq!(of("email"), "is not an email address");
    let log = t
        .post(
            "/api/v1/supervision-logs",
            &t.admin,
            json!({"duration_minutes": "60", "format": "triad"}),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = log["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "supervisor_id",
        "held_on",
        "duration_minutes",
        "supervision_type",
        "format",
    ] {
        assert!(fields.contains(&f), "{f} is not named: {log}");
    }
}

async fn a_database_failure_is_a_bare_500_and_writes_nothing(t: TestApp) {
    let services_before = t.count("services");
    // The audit insert now fails inside the service's transaction.
    t.sql("DROP TABLE audit_events");
    let p = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Doomed", "provider": "X"}),
        )
        .await
        .problem(500);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        !detail.contains("audit_events") && !detail.to_lowercase().contains("sql"),
        "{detail}"
    );
    assert_eq!(
        t.count("services"),
        services_before,
        "the service must not be half-written"
    );
}

async fn health_and_openapi_answer_without_a_token(t: TestApp) {
    let h = t
        .send(TestRequest::get().uri("/health"))
        .await
        .expect(200)
        .json();
    assert_eq!(h, json!({"status": "ok"}));
    let doc = t
        .send(TestRequest::get().uri("/api/v1/openapi.json"))
        .await
        .expect(200)
        .json();
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/practitioners/{id}",
        "/api/v1/services",
        "/api/v1/audit/events",
        "/health",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["paths"]["/api/v1/practitioners"]["post"]["responses"]
        .get("422")
        .is_some());
    t.send(TestRequest::get().uri("/docs/")).await.expect(200);
}

async fn bad_bodies_get_the_right_problem(t: TestApp) {
    let login = |body: &'static str, ct: &'static str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .insert_header(("content-type", ct))
            .set_payload(body)
    };
    t.send(login("{\"email\": ", "application/json"))
        .await
        .problem(400);
    t.send(login(
        "email=a&password=b",
        "application/x-www-form-urlencoded",
    ))
    .await
    .problem(415);
    t.send(
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_payload("{}"),
    )
    .await
    .problem(415);
    let p = t
        .send(login(
            "{\"email\": 5, \"password\": \"x\"}",
            "application/json",
        ))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "email");
    let big = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(300 * 1024)
    );
    let req = TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("content-type", "application/json"))
        .set_payload(big);
    t.send(req).await.problem(413);
    // Unknown fields are refused, not silently dropped.
    let s = t.service("Typo").await;
    let p = t
        .patch(
            &format!("/api/v1/services/{s}"),
            &t.admin,
            json!({"nmae": "x"}),
        )
        .await
        .problem(422);
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("nmae"),
        "{p}"
    );
    t.get("/api/v1/services?limit=abc", &t.admin)
        .await
        .problem(400);
}

async fn unknown_paths_and_methods(t: TestApp) {
    t.get("/api/v1/nothing-here", &t.admin).await.problem(404);
    t.send(TestRequest::get().uri("/nothing"))
        .await
        .problem(404);
    let res = t
        .call(Method::DELETE, "/api/v1/services", Some(&t.admin), None)
        .await;
    assert_eq!(res.header("allow").as_deref(), Some("GET, POST"));
    res.problem(405);
    let res = t.call(Method::PUT, "/health", None, None).await;
    assert_eq!(res.header("allow").as_deref(), Some("GET"));
    res.problem(405);
}

async fn request_ids_are_echoed(t: TestApp) {
    let res = t
        .send(
            TestRequest::get()
                .uri("/health")
                .insert_header(("x-request-id", "trace-abc-123")),
        )
        .await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("trace-abc-123"));
    let res = t
        .send(
            TestRequest::get()
                .uri("/health")
                .insert_header(("x-request-id", "bad id with spaces")),
        )
        .await;
    let id = res.header("x-request-id").unwrap();
    assert_ne!(id, "bad id with spaces");
    assert_eq!(id.len(), 36);
    let res = t.get("/api/v1/nothing", &t.admin).await;
    assert!(res.header("x-request-id").is_some());
}

async fn a_restart_keeps_every_record(t: TestApp) {
    let s = t.service("Kept").await;
    let (id, _) = t.person(&s, "kept@registry.test", &["practitioner"]).await;
    let settings = (*t.state.settings).clone();
    let again = actix_web::web::block(move || registry::build_state(settings))
        .await
        .unwrap()
        .unwrap();
    let app =
        actix_web::test::init_service(registry::build_app(actix_web::web::Data::new(again))).await;
    let req = TestRequest::get()
        .uri(&format!("/api/v1/practitioners/{id}"))
        .insert_header(("Authorization", format!("Bearer {}", t.admin)));
    let res = actix_web::test::call_service(&app, req.to_request()).await;
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = actix_web::test::read_body_json(res).await;
    assert_eq!(body["email"], "kept@registry.test");
    // Only one admin, however often it starts with the same settings.
    assert_eq!(t.count("users WHERE roles LIKE '%admin%'"), 1);
}
