//! The web pages over HTTP, on both backends: signing in and out, sessions that end, form
//! tokens, a practitioner recording sessions through the form, a supervisor countersigning
//! from the queue, and 404 for what a caller may not open.

use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    signing_in_gives_a_session_that_ends_when_it_should,
    a_form_without_its_sessions_token_changes_nothing,
    a_practitioner_records_a_session_through_the_form,
    a_supervisor_countersigns_from_the_queue,
    each_role_sees_its_own_pages_only,
    a_practitioner_keeps_their_records,
    settings_and_the_evidence_pack,
    a_supervisor_signs_off_a_competence_with_its_evidence,
);

fn days_ago(n: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(n)).to_string()
}

struct Team {
    service: String,
    sup: String,
    sup_token: String,
    pwp: String,
    pwp_token: String,
}

async fn team(t: &TestApp) -> Team {
    let service = t.service("Talking Therapies East").await;
    let (sup, sup_token) = t
        .person(&service, "sup@registry.test", &["supervisor"])
        .await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let (pwp, pwp_token) = t
        .person(&service, "pwp@registry.test", &["practitioner"])
        .await;
    Team {
        service,
        sup,
        sup_token,
        pwp,
        pwp_token,
    }
}

async fn api_log(t: &TestApp, team: &Team, held_on: &str, minutes: i32) -> String {
    t.post(
        "/api/v1/supervision-logs",
        &team.pwp_token,
        json!({"supervisor_id": team.sup, "held_on": held_on, "duration_minutes": minutes,
               "supervision_type": "case_management", "format": "individual"}),
    )
    .await
    .expect(201)
    .json()["id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn log_status(t: &TestApp, id: &str) -> Value {
    t.get(&format!("/api/v1/supervision-logs/{id}"), &t.admin)
        .await
        .expect(200)
        .json()
}

async fn signing_in_gives_a_session_that_ends_when_it_should(t: TestApp) {
    let team = team(&t).await;
    // Signed out, every page but the sign-in page sends you to sign in, and back afterwards.
    let home = t.page("/").await.expect(303);
    assert_eq!(home.header("location").as_deref(), Some("/login"));
    let logs = t.page("/supervision?status=submitted").await.expect(303);
    assert_eq!(
        logs.header("location").as_deref(),
        Some("/login?next=%2Fsupervision%3Fstatus%3Dsubmitted")
    );
    let login = t.page("/login").await.expect(200).text();
    // A forgotten password: the same answer for anyone's email, and a link for a real one.
    t.page("/forgot-password").await.expect(200);
    t.form("/forgot-password", &[("email", "")])
        .await
        .expect(422);
    let sent = t
        .form("/forgot-password", &[("email", "pwp@registry.test")])
        .await
        .expect(200)
        .text();
    let nobody = t
        .form("/forgot-password", &[("email", "nobody@registry.test")])
        .await
        .expect(200)
        .text();
    assert!(
        sent.contains("If an account uses that address")
            && nobody.contains("If an account uses that address")
    );
    let mail = t.smtp.wait_for(1).await;
    assert!(mail
        .iter()
        .any(|m| m.to.iter().any(|to| to == "pwp@registry.test")));
    assert!(login.contains("name=\"email\"") && login.contains("name=\"password\""));

    // A wrong password and an unknown email get the same one message.
    let wrong = t
        .form(
            "/login",
            &[
                ("email", "pwp@registry.test"),
                ("password", "not it at all"),
            ],
        )
        .await
        .expect(401)
        .text();
    let unknown = t
        .form(
            "/login",
            &[
                ("email", "nobody@registry.test"),
                ("password", "not it at all"),
            ],
        )
        .await
        .expect(401)
        .text();
    let message = "The email address or password is not correct";
    assert!(wrong.contains(message) && unknown.contains(message));
    assert!(wrong.contains("class=\"error-summary\"") && wrong.contains("href=\"#email\""));

    // The session cookie: HttpOnly, SameSite=Lax, Secure (the public address is https).
    let ok = t
        .form(
            "/login",
            &[
                ("email", "pwp@registry.test"),
                ("password", PASSWORD),
                ("next", "/supervision"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(ok.header("location").as_deref(), Some("/supervision"));
    let cookie = ok.header("set-cookie").expect("a cookie");
    for part in [
        "registry_session=",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    // A next address on another host is not followed.
    let elsewhere = t
        .form(
            "/login",
            &[
                ("email", "pwp@registry.test"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(elsewhere.header("location").as_deref(), Some("/"));
    // The cookie is kept only as a digest.
    let secret = cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    assert_eq!(
        t.count(&format!("web_sessions WHERE token_hash = '{secret}'")),
        0
    );

    // Signing out ends the session at once; the old cookie no longer opens anything.
    let b = t.sign_in("pwp@registry.test", PASSWORD).await;
    assert!(b
        .get("/")
        .await
        .expect(200)
        .text()
        .contains("Person pwp@registry.test"));
    let out = b.post("/logout", &[]).await.expect(303);
    assert_eq!(out.header("location").as_deref(), Some("/login?ended=1"));
    b.get("/").await.expect(303);

    // A password change (through the API) ends every other session, the browser's too.
    let b = t.sign_in("pwp@registry.test", PASSWORD).await;
    t.post(
        "/api/v1/me/password",
        &team.pwp_token,
        json!({"current_password": PASSWORD, "new_password": "another-long-password-2"}),
    )
    .await
    .expect(204);
    b.get("/").await.expect(303);

    // Deactivation ends the supervisor's session at once.
    let b = t.sign_in("sup@registry.test", PASSWORD).await;
    b.get("/sign-off").await.expect(200);
    t.delete(&format!("/api/v1/practitioners/{}", team.sup), &t.admin)
        .await
        .expect(204);
    b.get("/sign-off").await.expect(303);

    // A session idle longer than the timeout has ended.
    let b = t.sign_in("admin@registry.test", ADMIN_PASSWORD).await;
    b.get("/").await.expect(200);
    t.sql("UPDATE web_sessions SET last_seen_at = '2000-01-01 00:00:00'");
    // (A reading of the session is cached for a few seconds; an idle one is 30 minutes old.)
    let admin_id = t.get("/api/v1/me", &t.admin).await.expect(200).json()["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    t.state.callers.forget(&admin_id);
    b.get("/").await.expect(303);
    // Timed-out sessions are cleared when the person next signs in.
    let admins = "web_sessions WHERE session_id IN (SELECT s.id FROM sessions s JOIN users u \
                  ON u.id = s.user_id WHERE u.email_lower = 'admin@registry.test')";
    t.sign_in("admin@registry.test", ADMIN_PASSWORD).await;
    t.sign_in("admin@registry.test", ADMIN_PASSWORD).await;
    assert_eq!(t.count(admins), 2);
    t.sql("UPDATE web_sessions SET last_seen_at = '2000-01-01 00:00:00'");
    t.sign_in("admin@registry.test", ADMIN_PASSWORD).await;
    assert_eq!(t.count(admins), 1);
    let _ = team.service;
}

async fn a_form_without_its_sessions_token_changes_nothing(t: TestApp) {
    let team = team(&t).await;
    let pwp = t.sign_in("pwp@registry.test", PASSWORD).await;
    let fields = [
        ("supervisor_id", team.sup.as_str()),
        ("held_on", "2026-11-20"),
        ("duration_minutes", "60"),
        ("supervision_type", "case_management"),
        ("format", "individual"),
    ];
    let before = t.count("supervision_logs");
    // No token, a made-up token, another session's token, and no session at all.
    pwp.post_raw("/supervision", &fields).await.expect(403);
    let mut forged = vec![("csrf", "0000")];
    forged.extend_from_slice(&fields);
    pwp.post_raw("/supervision", &forged).await.expect(403);
    let other = t.sign_in("sup@registry.test", PASSWORD).await;
    let mut theirs = vec![("csrf", other.csrf.as_str())];
    theirs.extend_from_slice(&fields);
    pwp.post_raw("/supervision", &theirs).await.expect(403);
    t.form("/supervision", &fields).await.expect(403);
    assert_eq!(t.count("supervision_logs"), before);
    // A form posted from another site is refused even with the right token, and so is a
    // sign-in from another site.
    let mut right = vec![("csrf", pwp.csrf.as_str())];
    right.extend_from_slice(&fields);
    let cross = pwp
        .t
        .send(
            actix_web::test::TestRequest::post()
                .uri("/supervision")
                .insert_header(("cookie", pwp.cookie.clone()))
                .insert_header(("origin", "https://evil.example"))
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(serde_urlencoded::to_string(&right).unwrap_or_default()),
        )
        .await;
    assert_eq!(cross.status.as_u16(), 403);
    let login = t
        .send(
            actix_web::test::TestRequest::post()
                .uri("/login")
                .insert_header(("sec-fetch-site", "cross-site"))
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload("email=pwp%40registry.test&password=a-long-password-1"),
        )
        .await;
    assert_eq!(login.status.as_u16(), 403);
    assert_eq!(t.count("supervision_logs"), before);
    // Logging out without the token does not log out.
    pwp.post_raw("/logout", &[]).await.expect(403);
    pwp.get("/").await.expect(200);
    // With the token it is recorded.
    pwp.post("/supervision", &fields).await.expect(303);
    assert_eq!(t.count("supervision_logs"), before + 1);
}

async fn a_practitioner_records_a_session_through_the_form(t: TestApp) {
    let team = team(&t).await;
    // A second supervisor who has not trained in supervising PWPs is not offered, and the
    // page says why.
    let (_, _) = t
        .person(&team.service, "untrained@registry.test", &["supervisor"])
        .await;
    let pwp = t.sign_in("pwp@registry.test", PASSWORD).await;
    let home = pwp.get("/").await.expect(200).text();
    assert!(
        home.contains("Due soon"),
        "a new starter is due soon: {home}"
    );
    let form = pwp.get("/supervision/new").await.expect(200).text();
    assert!(form.contains(&format!("<option value=\"{}\"", team.sup)));
    assert!(form.contains("Person untrained@registry.test</strong>:"));
    for field in [
        "supervisor_id",
        "held_on",
        "duration_minutes",
        "supervision_type",
        "format",
        "group_size",
        "cases_discussed",
        "notes",
    ] {
        assert!(form.contains(&format!("name=\"{field}\"")), "{field}");
        assert!(
            form.contains(&format!("for=\"{field}\"")) || field == "format",
            "{field}"
        );
    }

    // Everything missing: one message for each, in the summary and by the field.
    let empty = pwp.post("/supervision", &[]).await.expect(422).text();
    for anchor in [
        "#supervisor_id",
        "#held_on",
        "#duration_minutes",
        "#supervision_type",
        "#format",
    ] {
        assert!(
            empty.contains(&format!("href=\"{anchor}\"")),
            "{anchor}: {empty}"
        );
    }
    assert!(empty.contains("<title>Error: "));
    // The API's own checks, shown by their fields: a date in the future, too long a session.
    let future = (chrono::Utc::now().date_naive() + chrono::Duration::days(3)).to_string();
    let wrong = pwp
        .post(
            "/supervision",
            &[
                ("supervisor_id", &team.sup),
                ("held_on", &future),
                ("duration_minutes", "600"),
                ("supervision_type", "case_management"),
                ("format", "individual"),
                ("notes", "kept when shown again"),
            ],
        )
        .await
        .expect(422)
        .text();
    assert!(
        wrong.contains("Date of the session cannot be in the future"),
        "{wrong}"
    );
    assert!(
        wrong.contains("Length of the session must be 1 to 480 minutes"),
        "{wrong}"
    );
    assert!(wrong.contains("kept when shown again"));
    assert_eq!(t.count("supervision_logs"), 0);

    // Corrected, it is recorded and waits for the supervisor.
    let held = days_ago(2);
    let ok = pwp
        .post(
            "/supervision",
            &[
                ("supervisor_id", &team.sup),
                ("held_on", &held),
                ("duration_minutes", "60"),
                ("supervision_type", "case_management"),
                ("format", "individual"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(
        ok.header("location").as_deref(),
        Some("/supervision?done=recorded")
    );
    let list = pwp
        .get("/supervision?done=recorded")
        .await
        .expect(200)
        .text();
    assert!(
        list.contains("Your session is recorded") && list.contains("Waiting for countersignature")
    );
    let logs = t
        .get("/api/v1/supervision-logs", &team.pwp_token)
        .await
        .expect(200)
        .json();
    let id = logs["items"][0]["id"].as_str().expect("a log").to_string();
    assert_eq!(logs["items"][0]["duration_minutes"], 60);

    // Changed while it waits; then withdrawn after a confirmation page.
    pwp.get(&format!("/supervision/{id}/edit"))
        .await
        .expect(200);
    pwp.post(
        &format!("/supervision/{id}"),
        &[
            ("supervisor_id", &team.sup),
            ("held_on", &held),
            ("duration_minutes", "75"),
            ("supervision_type", "case_management"),
            ("format", "individual"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(log_status(&t, &id).await["duration_minutes"], 75);
    let filtered = pwp
        .get("/supervision?status=signed_off")
        .await
        .expect(200)
        .text();
    assert!(filtered.contains("No sessions to show"));
    pwp.get(&format!("/supervision/{id}/withdraw"))
        .await
        .expect(200);
    pwp.post(&format!("/supervision/{id}/withdraw"), &[])
        .await
        .expect(303);
    t.get(&format!("/api/v1/supervision-logs/{id}"), &t.admin)
        .await
        .expect(404);

    // Countersigned time makes the type compliant on the home page.
    let signed = api_log(&t, &team, &held, 120).await;
    t.post(
        &format!("/api/v1/supervision-logs/{signed}/sign-off"),
        &team.sup_token,
        json!({}),
    )
    .await
    .expect(200);
    let home = pwp.get("/").await.expect(200).text();
    assert!(home.contains("Compliant"), "{home}");
    // A signed-off log can no longer be changed through the pages either.
    pwp.get(&format!("/supervision/{signed}/edit"))
        .await
        .expect(409);
}

async fn a_supervisor_countersigns_from_the_queue(t: TestApp) {
    let team = team(&t).await;
    let newest = api_log(&t, &team, &days_ago(1), 60).await;
    let oldest = api_log(&t, &team, &days_ago(9), 60).await;
    let middle = api_log(&t, &team, &days_ago(5), 45).await;
    let sup = t.sign_in("sup@registry.test", PASSWORD).await;
    let queue = sup.get("/sign-off").await.expect(200).text();
    assert!(queue.contains("3 sessions are waiting"));
    let at = |id: &str| queue.find(&format!("value=\"{id}\"")).expect("listed");
    assert!(
        at(&oldest) < at(&middle) && at(&middle) < at(&newest),
        "oldest first"
    );

    // Nothing checked: a message, nothing changed.
    let none = sup.post("/sign-off", &[]).await.expect(422).text();
    assert!(
        none.contains("choose at least one session")
            || none.contains("Choose at least one session"),
        "{none}"
    );
    // A log that is not theirs with one that is: all or nothing.
    let stranger = "01900000-0000-7000-8000-000000000000";
    sup.post("/sign-off", &[("ids", &oldest), ("ids", stranger)])
        .await
        .expect(422);
    assert_eq!(log_status(&t, &oldest).await["status"], "submitted");

    let done = sup
        .post("/sign-off", &[("ids", &oldest), ("ids", &middle)])
        .await
        .expect(303);
    assert_eq!(
        done.header("location").as_deref(),
        Some("/sign-off?signed=2")
    );
    assert_eq!(log_status(&t, &oldest).await["status"], "signed_off");
    assert_eq!(log_status(&t, &middle).await["status"], "signed_off");
    let after = sup.get("/sign-off?signed=2").await.expect(200).text();
    assert!(
        after.contains("You countersigned 2 sessions") && after.contains("1 session is waiting")
    );

    // Sent back: a reason is needed, then the supervisee sees it.
    sup.get(&format!("/sign-off/{newest}/reject"))
        .await
        .expect(200);
    let blank = sup
        .post(&format!("/sign-off/{newest}/reject"), &[("reason", "  ")])
        .await
        .expect(422)
        .text();
    assert!(blank.contains("href=\"#reason\""));
    sup.post(
        &format!("/sign-off/{newest}/reject"),
        &[("reason", "This was a group session")],
    )
    .await
    .expect(303);
    let log = log_status(&t, &newest).await;
    assert_eq!(log["status"], "rejected");
    assert_eq!(log["rejection_reason"], "This was a group session");
    let pwp = t.sign_in("pwp@registry.test", PASSWORD).await;
    let home = pwp.get("/").await.expect(200).text();
    assert!(home.contains("This was a group session"), "{home}");
    // Decided logs cannot be sent back again.
    sup.post(
        &format!("/sign-off/{newest}/reject"),
        &[("reason", "again")],
    )
    .await
    .expect(409);

    // The supervisees' page shows the practitioner with a status in words for each type.
    let people = sup.get("/supervisees").await.expect(200).text();
    assert!(people.contains("Person pwp@registry.test"));
    assert!(
        people.contains("Compliant") || people.contains("Overdue") || people.contains("Due soon")
    );
    let _ = team.pwp;
}

async fn each_role_sees_its_own_pages_only(t: TestApp) {
    let team = team(&t).await;
    let log = api_log(&t, &team, &days_ago(3), 60).await;
    let pwp = t.sign_in("pwp@registry.test", PASSWORD).await;
    let home = pwp.get("/").await.expect(200).text();
    assert!(home.contains("href=\"/supervision/new\"") && !home.contains("href=\"/sign-off\""));
    pwp.get("/sign-off").await.expect(404);
    pwp.get("/supervisees").await.expect(404);
    pwp.get(&format!("/sign-off/{log}/reject"))
        .await
        .expect(404);
    pwp.post("/sign-off", &[("ids", &log)]).await.expect(404);
    assert_eq!(log_status(&t, &log).await["status"], "submitted");

    let sup = t.sign_in("sup@registry.test", PASSWORD).await;
    let home = sup.get("/").await.expect(200).text();
    assert!(home.contains("href=\"/sign-off\"") && !home.contains("href=\"/supervision/new\""));
    sup.get("/supervision/new").await.expect(404);
    sup.get("/supervision").await.expect(404);
    // Someone else's log is not found, whoever asks.
    let s2 = t.service("Elsewhere").await;
    t.person(&s2, "other@registry.test", &["practitioner", "supervisor"])
        .await;
    let other = t.sign_in("other@registry.test", PASSWORD).await;
    let both = other.get("/").await.expect(200).text();
    assert!(both.contains("href=\"/sign-off\"") && both.contains("href=\"/supervision/new\""));
    other
        .get(&format!("/supervision/{log}/edit"))
        .await
        .expect(404);
    other
        .get(&format!("/sign-off/{log}/reject"))
        .await
        .expect(404);
    other
        .post(
            &format!("/sign-off/{log}/reject"),
            &[("reason", "not mine")],
        )
        .await
        .expect(404);
    other.get("/supervision/not-an-id/edit").await.expect(404);
    assert_eq!(log_status(&t, &log).await["status"], "submitted");
    // The stylesheet is the registry's own.
    let css = t.page(&home_css(&home)).await.expect(200);
    assert!(css
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/css"));
}

fn home_css(html: &str) -> String {
    let at = html.find("/assets/registry.css").expect("a stylesheet");
    html[at..].chars().take_while(|c| *c != '"').collect()
}

async fn a_practitioner_keeps_their_records(t: TestApp) {
    let _team = team(&t).await;
    let pwp = t.sign_in("pwp@registry.test", PASSWORD).await;
    let empty = pwp.get("/records").await.expect(200).text();
    assert!(empty.contains("None recorded yet") && empty.contains("No CPD recorded yet"));
    for new in [
        "/records/cpd/new",
        "/records/credentials/new",
        "/records/training/new",
    ] {
        pwp.get(new).await.expect(200);
    }
    // Every missing field at once.
    let none = pwp.post("/records/cpd", &[]).await.expect(422).text();
    for anchor in ["#held_on", "#hours"] {
        assert!(
            none.contains(&format!("href=\"{anchor}\"")),
            "{anchor}: {none}"
        );
    }
    let blank = pwp
        .post(
            "/records/cpd",
            &[
                ("title", ""),
                ("held_on", &days_ago(3)),
                ("hours", "1.5"),
                ("category", ""),
            ],
        )
        .await
        .expect(422)
        .text();
    assert!(
        blank.contains("href=\"#title\"") && blank.contains("href=\"#category\""),
        "{blank}"
    );
    pwp.post(
        "/records/cpd",
        &[
            ("title", "Workshop on worry management"),
            ("held_on", &days_ago(3)),
            ("hours", "1.5"),
            ("category", "workshop"),
            ("cbt_related", "true"),
            ("reflective_statement", "Changed how I set homework"),
        ],
    )
    .await
    .expect(303);
    pwp.post(
        "/records/credentials",
        &[
            ("body", "BPS"),
            ("kind", "wpw_register"),
            ("membership_number", "WPW-0001"),
            ("valid_from", &days_ago(30)),
            ("expires_on", "2099-01-01"),
        ],
    )
    .await
    .expect(303);
    let wrong_kind = pwp
        .post(
            "/records/credentials",
            &[
                ("body", "BPS"),
                ("kind", "accredited_practitioner"),
                ("membership_number", "WPW-0002"),
                ("valid_from", &days_ago(30)),
                ("expires_on", "2099-01-01"),
            ],
        )
        .await
        .expect(422)
        .text();
    assert!(wrong_kind.contains("href=\"#kind\""), "{wrong_kind}");
    pwp.post("/records/training", &[]).await.expect(422);
    let full = pwp.get("/records?done=cpd").await.expect(200).text();
    assert!(full.contains("Workshop on worry management") && full.contains("WPW-0001"));
    assert!(full.contains("Not verified yet"));
    assert_eq!(t.count("cpd_activities"), 1);
    let sup = t.sign_in("sup@registry.test", PASSWORD).await;
    sup.get("/records").await.expect(404);
    sup.post("/records/cpd", &[("title", "x")])
        .await
        .expect(404);
}

async fn settings_and_the_evidence_pack(t: TestApp) {
    let _team = team(&t).await;
    let pwp = t.sign_in("pwp@registry.test", PASSWORD).await;
    let settings = pwp.get("/settings").await.expect(200).text();
    let url_at = settings.find("/calendar/").expect("a feed address");
    let first: String = settings[url_at..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(first.ends_with(".ics"), "{first}");
    // The address works; after a new one is made, the old one does not.
    t.page(&first).await.expect(200);
    pwp.post("/settings/calendar/rotate", &[]).await.expect(303);
    t.page(&first).await.expect(404);
    let again = pwp.get("/settings?done=rotated").await.expect(200).text();
    assert!(!again.contains(&first) && again.contains("You have a new calendar address"));

    // Reminders: everything optional turned off but one.
    pwp.post("/settings/reminders", &[("on", "supervision_due_soon")])
        .await
        .expect(303);
    let prefs = t
        .get("/api/v1/me/notification-preferences", &_team.pwp_token)
        .await
        .expect(200)
        .json();
    let disabled: Vec<&str> = prefs["disabled"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert!(disabled.contains(&"sign_off_waiting") && !disabled.contains(&"supervision_due_soon"));

    // About you: saved for the person, refused when not a category.
    pwp.post(
        "/settings/about-me",
        &[
            ("ethnicity", "A"),
            ("languages", "English, Polish"),
            ("specialist_interests", "perinatal"),
        ],
    )
    .await
    .expect(303);
    let me = t
        .get(
            &format!("/api/v1/practitioners/{}", _team.pwp),
            &_team.pwp_token,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(me["ethnicity"], "A");
    assert_eq!(me["languages"], serde_json::json!(["English", "Polish"]));
    let bad = pwp
        .post("/settings/about-me", &[("ethnicity", "Q9")])
        .await
        .expect(422)
        .text();
    assert!(bad.contains("href=\"#ethnicity\""), "{bad}");
    let shown = pwp.get("/settings").await.expect(200).text();
    assert!(shown.contains("English, Polish"));

    // The evidence pack, viewed and downloaded.
    pwp.get("/evidence").await.expect(200);
    let view = pwp
        .get("/evidence/view?body=BPS&months=12")
        .await
        .expect(200);
    assert!(view
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));
    let csv = pwp.get("/evidence/download?body=BPS").await.expect(200);
    assert!(csv
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    pwp.get("/evidence/elsewhere").await.expect(404);
    pwp.get("/evidence/view?months=99").await.expect(422);
    // The form tokens guard these forms too.
    pwp.post_raw("/settings/calendar/rotate", &[])
        .await
        .expect(403);
}

async fn a_supervisor_signs_off_a_competence_with_its_evidence(t: TestApp) {
    let team = team(&t).await;
    api_log(&t, &team, &days_ago(2), 60).await;
    let competence = t.any_competence().await;
    let sup = t.sign_in("sup@registry.test", PASSWORD).await;
    let people = sup.get("/supervisees").await.expect(200).text();
    let path = format!("/supervisees/{}/competences", team.pwp);
    assert!(people.contains(&path), "{people}");
    let page = sup.get(&path).await.expect(200).text();
    assert!(page.contains("Not assessed"));
    let fields = [
        ("competency_id", competence.as_str()),
        ("outcome", "met"),
        ("evidence", "Observed a full session of guided self-help"),
        ("evidence_method", "direct_observation"),
    ];
    // Not holding the competence themselves, the supervisor is refused, by the competence.
    let refused = sup.post(&path, &fields).await.expect(403).text();
    assert!(refused.contains("href=\"#competency_id\""), "{refused}");
    assert!(refused.contains("current sign-off"), "{refused}");
    // Once an admin has signed the supervisor off, they may.
    t.post(
        &format!("/api/v1/practitioners/{}/competencies", team.sup),
        &t.admin,
        json!({"competency_id": competence, "outcome": "met", "evidence": "Assessed by the admin"}),
    )
    .await
    .expect(201);
    let missing = sup
        .post(
            &path,
            &[("competency_id", competence.as_str()), ("outcome", "met")],
        )
        .await
        .expect(422)
        .text();
    assert!(missing.contains("href=\"#evidence\""), "{missing}");
    sup.post(&path, &fields).await.expect(303);
    let after = sup.get(&path).await.expect(200).text();
    assert!(after.contains(">Met<"), "{after}");
    // Nobody signs off their own, and someone else's service is not found.
    let own = format!("/supervisees/{}/competences", team.sup);
    sup.post(&own, &fields).await.expect(403);
    let s2 = t.service("Elsewhere").await;
    let (stranger, _) = t.person(&s2, "far@registry.test", &["practitioner"]).await;
    sup.get(&format!("/supervisees/{stranger}/competences"))
        .await
        .expect(404);
    let pwp = t.sign_in("pwp@registry.test", PASSWORD).await;
    pwp.get(&path).await.expect(404);
}
