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
);

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
