use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    login_gives_tokens_and_me_names_the_caller,
    wrong_pairs_get_the_same_401,
    login_checks_its_fields,
    refresh_rotates_and_reuse_ends_the_session,
    logout_ends_the_session,
    forged_and_expired_tokens_are_refused,
    deactivated_people_cannot_log_in_or_refresh,
    failed_logins_are_throttled_per_account,
    failed_logins_are_throttled_per_address_across_restarts,
    an_invitation_is_mailed_and_redeemed_once,
);

async fn login_gives_tokens_and_me_names_the_caller(t: TestApp) {
    let pair = t.login_pair(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert!(pair["refresh_token"].as_str().unwrap().len() >= 40);
    let me = t
        .get("/api/v1/me", pair["access_token"].as_str().unwrap())
        .await
        .expect(200)
        .json();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["roles"], json!(["admin"]));
    assert!(me["service_id"].is_null());
    // Emails are matched whatever their case.
    t.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
}

async fn wrong_pairs_get_the_same_401(t: TestApp) {
    let unknown = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "nobody@registry.test", "password": "whatever-it-is"})),
        )
        .await
        .problem(401);
    let wrong = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": "not-the-password"})),
        )
        .await
        .problem(401);
    assert_eq!(unknown, wrong);
}

async fn login_checks_its_fields(t: TestApp) {
    let p = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL})),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "password");
    let p = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "", "password": ""})),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);
}

async fn refresh_rotates_and_reuse_ends_the_session(t: TestApp) {
    let first = t.login_pair(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let old = first["refresh_token"].as_str().unwrap().to_string();
    let second = t
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": old})),
        )
        .await
        .expect(200)
        .json();
    let newer = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(old, newer);
    let access = second["access_token"].as_str().unwrap().to_string();
    t.get("/api/v1/me", &access).await.expect(200);
    // The spent token is refused, and its reuse ends the whole family.
    t.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": old})),
    )
    .await
    .problem(401);
    t.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": newer})),
    )
    .await
    .problem(401);
    t.get("/api/v1/me", &access).await.problem(401);
    // Other sessions carry on.
    t.get("/api/v1/me", &t.admin).await.expect(200);
    t.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": "made-up"})),
    )
    .await
    .problem(401);
}

async fn logout_ends_the_session(t: TestApp) {
    let pair = t.login_pair(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = pair["access_token"].as_str().unwrap();
    t.call(Method::POST, "/api/v1/auth/logout", Some(access), None)
        .await
        .expect(204);
    t.get("/api/v1/me", access).await.problem(401);
    t.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": pair["refresh_token"]})),
    )
    .await
    .problem(401);
    t.call(Method::POST, "/api/v1/auth/logout", None, None)
        .await
        .problem(401);
}

fn forge(claims: serde_json::Value, secret: &[u8], alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

async fn forged_and_expired_tokens_are_refused(t: TestApp) {
    let me = t.get("/api/v1/me", &t.admin).await.expect(200).json();
    let real = t.state.tokens.verify(&t.admin).unwrap();
    let now = chrono::Utc::now().timestamp();
    let secret = b"test-secret-test-secret-test-secret-0123";
    let claims = |aud: &str, iat: i64, exp: i64| json!({"sub": me["id"], "sid": real.sid, "iss": "registry", "aud": aud, "iat": iat, "nbf": iat, "exp": exp, "jti": "j"});
    // The same claims with the right key pass: each refusal below is for its one flaw.
    let good = forge(
        claims("registry-api", now, now + 60),
        secret,
        jsonwebtoken::Algorithm::HS256,
    );
    t.get("/api/v1/me", &good).await.expect(200);
    let expired = forge(
        claims("registry-api", now - 3600, now - 1800),
        secret,
        jsonwebtoken::Algorithm::HS256,
    );
    t.get("/api/v1/me", &expired).await.problem(401);
    let wrong_key = forge(
        claims("registry-api", now, now + 60),
        b"another-secret-another-secret-another",
        jsonwebtoken::Algorithm::HS256,
    );
    t.get("/api/v1/me", &wrong_key).await.problem(401);
    let wrong_audience = forge(
        claims("someone-else", now, now + 60),
        secret,
        jsonwebtoken::Algorithm::HS256,
    );
    t.get("/api/v1/me", &wrong_audience).await.problem(401);
    let other_alg = forge(
        claims("registry-api", now, now + 60),
        secret,
        jsonwebtoken::Algorithm::HS512,
    );
    t.get("/api/v1/me", &other_alg).await.problem(401);
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims("registry-api", now, now + 60).to_string());
    t.get("/api/v1/me", &format!("{header}.{body}."))
        .await
        .problem(401);
    t.get("/api/v1/me", "not-a-jwt").await.problem(401);
    let basic = TestRequest::get()
        .uri("/api/v1/me")
        .insert_header(("Authorization", "Basic YWRtaW46YWRtaW4="));
    t.send(basic).await.problem(401);
}

async fn deactivated_people_cannot_log_in_or_refresh(t: TestApp) {
    let s = t.service("North").await;
    let (id, access) = t
        .person(&s, "leaver@registry.test", &["practitioner"])
        .await;
    let pair = t.login_pair("leaver@registry.test", PASSWORD).await;
    t.delete(&format!("/api/v1/practitioners/{id}"), &t.admin)
        .await
        .expect(204);
    t.get("/api/v1/me", &access).await.problem(401);
    let refused = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "leaver@registry.test", "password": PASSWORD})),
        )
        .await
        .problem(401);
    assert_eq!(refused["detail"], "the email or password is not correct");
    t.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": pair["refresh_token"]})),
    )
    .await
    .problem(401);
}

async fn failed_logins_are_throttled_per_account(t: TestApp) {
    let wrong = json!({"email": ADMIN_EMAIL, "password": "not-the-password"});
    for _ in 0..5 {
        t.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(wrong.clone()),
        )
        .await
        .problem(401);
    }
    let right = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let res = t
        .call(Method::POST, "/api/v1/auth/login", None, Some(right))
        .await;
    let retry: i64 = res
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    res.problem(429);
    // Another account is not held up by this one.
    let s = t.service("South").await;
    t.person(&s, "other@registry.test", &["practitioner"]).await;
}

async fn failed_logins_are_throttled_per_address_across_restarts(t: TestApp) {
    let attempt = |email: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .peer_addr("203.0.113.9:4000".parse().unwrap())
            .set_json(json!({"email": email, "password": "guessing-password"}))
    };
    for i in 0..30 {
        t.send(attempt(&format!("guess{i}@registry.test")))
            .await
            .problem(401);
    }
    t.send(attempt("guess-last@registry.test"))
        .await
        .problem(429);
    // Kept in the database: a restarted instance still refuses.
    let settings = (*t.state.settings).clone();
    let again = actix_web::web::block(move || registry::build_state(settings))
        .await
        .unwrap()
        .unwrap();
    let app =
        actix_web::test::init_service(registry::build_app(actix_web::web::Data::new(again))).await;
    let res =
        actix_web::test::call_service(&app, attempt("guess-after@registry.test").to_request())
            .await;
    assert_eq!(res.status().as_u16(), 429);
    // A different address logs in.
    t.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
}

async fn an_invitation_is_mailed_and_redeemed_once(t: TestApp) {
    let s = t.service("East").await;
    let created = t
        .post(
            "/api/v1/practitioners",
            &t.admin,
            json!({"email": "new.starter@registry.test", "full_name": "New Starter", "service_id": s,
                   "practitioner_role": "cbt_therapist", "stage": "trainee", "wte": 0.8}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(created["invitation"]["sent"], true);
    let mail = t.smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, vec!["new.starter@registry.test".to_string()]);
    let token = mail[0].invitation_token();
    let data = mail[0].data.clone();
    assert!(token.len() >= 40, "{token}");
    assert!(data.contains("text/html") && data.contains("text/plain"));

    // No password yet: login fails like any wrong pair.
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": "new.starter@registry.test", "password": PASSWORD})),
    )
    .await
    .problem(401);
    let p = t
        .call(
            Method::POST,
            "/api/v1/auth/accept-invite",
            None,
            Some(json!({"token": token, "password": "short"})),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "password");
    let pair = t
        .call(
            Method::POST,
            "/api/v1/auth/accept-invite",
            None,
            Some(json!({"token": token, "password": PASSWORD})),
        )
        .await
        .expect(200)
        .json();
    let me = t
        .get("/api/v1/me", pair["access_token"].as_str().unwrap())
        .await
        .expect(200)
        .json();
    assert_eq!(me["email"], "new.starter@registry.test");
    t.login("new.starter@registry.test", PASSWORD).await;
    t.call(
        Method::POST,
        "/api/v1/auth/accept-invite",
        None,
        Some(json!({"token": token, "password": "another-password-2"})),
    )
    .await
    .problem(400);
    // Re-inviting someone who has a password is a conflict.
    let id = created["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/practitioners/{id}/invitation"),
        &t.admin,
        json!({}),
    )
    .await
    .problem(409);
}
