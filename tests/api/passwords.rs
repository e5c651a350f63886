//! Passwords: the invitation link opens a page that sets one, a forgotten one is reset from an
//! emailed link, and the signed-in person changes theirs. Other sessions end; nothing secret is
//! stored or audited.

use actix_web::http::Method;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    the_invitation_link_opens_a_page_that_sets_the_password,
    a_forgotten_password_is_reset_from_an_emailed_link,
    the_signed_in_person_changes_their_password,
);

async fn the_invitation_link_opens_a_page_that_sets_the_password(t: TestApp) {
    let s = t.service("North").await;
    t.invite(&s, "new@registry.test").await;
    let mail = &t.smtp.wait_for(1).await[0];
    assert!(mail.data.contains("/accept-invite?token="), "{}", mail.data);
    assert!(
        mail.data.contains("Auto-Submitted: auto-generated"),
        "{}",
        mail.data
    );
    let token = mail.invitation_token();
    let shown = t
        .page(&format!("/accept-invite?token={token}"))
        .await
        .expect(200);
    let html = shown.text();
    assert!(shown
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(shown.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        shown.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    assert!(html.contains("name=\"password\"") && html.contains("<label for=\"password\""));
    // Showing the page changes nothing: the link still works.
    t.page(&format!("/accept-invite?token={token}"))
        .await
        .expect(200);
    let short = t
        .form(
            "/accept-invite",
            &[("token", &token), ("password", "short")],
        )
        .await
        .expect(422)
        .text();
    assert!(
        short.contains("There is a problem") && short.contains("at least 12"),
        "{short}"
    );
    let done = t
        .form(
            "/accept-invite",
            &[("token", &token), ("password", "a new long password")],
        )
        .await
        .expect(200)
        .text();
    assert!(done.contains("Your password is set"), "{done}");
    t.login("new@registry.test", "a new long password").await;
    let again = t
        .page(&format!("/accept-invite?token={token}"))
        .await
        .expect(400)
        .text();
    assert!(
        again.contains("already been used or has expired"),
        "{again}"
    );
    t.form(
        "/accept-invite",
        &[("token", &token), ("password", "another long one")],
    )
    .await
    .expect(400);
    // Without a token the page says so; the home page asks a signed-out visitor to sign in.
    t.page("/accept-invite").await.expect(400);
    let home = t.page("/").await.expect(303);
    assert_eq!(home.header("location").as_deref(), Some("/login"));
}

async fn a_forgotten_password_is_reset_from_an_emailed_link(t: TestApp) {
    let s = t.service("North").await;
    let (_, old_session) = t
        .person(&s, "forgot@registry.test", &["practitioner"])
        .await;
    let asked = |email: &'static str| {
        let t = &t;
        async move {
            t.call(
                Method::POST,
                "/api/v1/auth/password-reset",
                None,
                Some(json!({ "email": email })),
            )
            .await
            .expect(202)
            .json()
        }
    };
    let known = asked("Forgot@Registry.test").await;
    let unknown = asked("nobody@registry.test").await;
    assert_eq!(
        known, unknown,
        "the same answer whether or not the email is anyone's"
    );
    let mail = &t.smtp.wait_for(1).await[0];
    assert!(
        mail.data.contains("/reset-password?token="),
        "{}",
        mail.data
    );
    let token = mail.invitation_token();
    assert_eq!(
        t.smtp.messages().len(),
        1,
        "nothing is sent for an unknown email"
    );
    // The token is never stored or audited: the message waits with a placeholder.
    assert_eq!(
        t.count(&format!("deliveries WHERE body_text LIKE '%{token}%'")),
        0
    );
    assert_eq!(
        t.count(&format!("invitations WHERE token_hash = '{token}'")),
        0
    );
    assert_eq!(
        t.count(&format!("audit_events WHERE after_value LIKE '%{token}%'")),
        0
    );
    // An invitation's form does not take a reset token, nor the reverse.
    t.call(
        Method::POST,
        "/api/v1/auth/accept-invite",
        None,
        Some(json!({"token": token, "password": "a brand new password"})),
    )
    .await
    .problem(400);
    t.page(&format!("/reset-password?token={token}"))
        .await
        .expect(200);
    let pair = t
        .call(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(json!({"token": token, "password": "a brand new password"})),
        )
        .await
        .expect(200)
        .json();
    assert!(pair["access_token"].is_string());
    // Every other session ended; the old password no longer works; the link works once.
    t.get("/api/v1/me", &old_session).await.problem(401);
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": "forgot@registry.test", "password": PASSWORD})),
    )
    .await
    .problem(401);
    t.login("forgot@registry.test", "a brand new password")
        .await;
    t.call(
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        None,
        Some(json!({"token": token, "password": "yet another password"})),
    )
    .await
    .problem(400);
    assert_eq!(
        t.count("audit_events WHERE action IN ('request_password_reset', 'reset_password')"),
        2
    );
}

async fn the_signed_in_person_changes_their_password(t: TestApp) {
    let s = t.service("North").await;
    let (_, here) = t
        .person(&s, "change@registry.test", &["practitioner"])
        .await;
    let elsewhere = t.login("change@registry.test", PASSWORD).await;
    let wrong = t
        .post(
            "/api/v1/me/password",
            &here,
            json!({"current_password": "not the password", "new_password": "a changed password"}),
        )
        .await
        .problem(422);
    assert_eq!(wrong["errors"][0]["field"], "current_password", "{wrong}");
    let weak = t
        .post(
            "/api/v1/me/password",
            &here,
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await
        .problem(422);
    assert_eq!(weak["errors"][0]["field"], "new_password", "{weak}");
    t.post(
        "/api/v1/me/password",
        &here,
        json!({"current_password": PASSWORD, "new_password": "a changed password"}),
    )
    .await
    .expect(204);
    t.get("/api/v1/me", &here).await.expect(200);
    t.get("/api/v1/me", &elsewhere).await.problem(401);
    t.login("change@registry.test", "a changed password").await;
    assert_eq!(t.count("audit_events WHERE action = 'change_password'"), 1);
    assert_eq!(
        t.count("audit_events WHERE after_value LIKE '%a changed password%'"),
        0
    );
}
