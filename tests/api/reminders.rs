use chrono::Duration;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    a_lapsing_accreditation_is_mailed_once,
    an_smtp_outage_loses_nothing_and_sends_once,
    two_instances_send_each_reminder_once,
    a_dry_run_changes_and_sends_nothing,
    preferences_and_permissions,
    a_waiting_sign_off_reminds_the_supervisor,
    emails_say_what_to_do_where_and_whom_to_ask,
);

fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + Duration::days(n)).to_string()
}

/// The day `n` days from today as an email writes it: "8 December 2026".
fn uk_in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + Duration::days(n))
        .format("%-d %B %Y")
        .to_string()
}

/// A received message's plain-text part, unfolded.
fn text_part(data: &str) -> String {
    let start = data.find("text/plain").expect("a text part");
    let rest = &data[start..];
    let end = rest.find("text/html").unwrap_or(rest.len());
    rest[..end].replace("=\r\n", "").replace("=3D", "=")
}

async fn lapsing(t: &TestApp) -> (String, String) {
    let s = t.service("Reminders").await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let cred = json!({"body": "BABCP", "kind": "accredited_practitioner", "membership_number": "R-1", "valid_from": in_days(-355), "expires_on": in_days(10)});
    t.post(
        &format!("/api/v1/practitioners/{me}/accreditations"),
        &token,
        cred,
    )
    .await
    .expect(201);
    (me, token)
}

async fn run(t: &TestApp) -> Value {
    t.post("/api/v1/admin/reminders/run", &t.admin, json!({}))
        .await
        .expect(200)
        .json()
}

fn header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    data.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .map(|l| l[name.len() + 1..].trim())
}

async fn a_lapsing_accreditation_is_mailed_once(t: TestApp) {
    lapsing(&t).await;
    let first = run(&t).await;
    assert!(first["detected"].as_u64().unwrap() >= 1, "{first}");
    assert_eq!(
        first["sent"], 1,
        "one digest for the one person with lapses: {first}"
    );
    assert_eq!(first["failed"], 0);
    let mail = t.smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, vec!["me@registry.test".to_string()]);
    let data = mail[0].data.replace("=\r\n", "");
    assert!(
        data.contains("BABCP Accredited practitioner") && data.contains(&uk_in_days(10)),
        "human names and UK dates, not codes and ISO dates: {data}"
    );
    assert!(!data.contains(&in_days(10)), "{data}");
    assert!(
        header(&data, "List-Unsubscribe").is_none(),
        "an expiring credential cannot be turned off: {data}"
    );
    assert!(
        header(&data, "Subject").unwrap().contains("BABCP"),
        "the subject names the most urgent item: {data}"
    );
    assert!(header(&data, "Message-ID")
        .unwrap()
        .starts_with("<delivery-"));
    assert!(data.contains("text/plain") && data.contains("text/html"));
    assert!(
        data.contains("https://registry.test"),
        "links to REGISTRY_PUBLIC_URL"
    );

    let second = run(&t).await;
    assert_eq!(
        (second["queued"].clone(), second["sent"].clone()),
        (json!(0), json!(0)),
        "{second}"
    );
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(t.smtp.messages().len(), 1);
    let out = t
        .get("/api/v1/notifications?status=sent", &t.admin)
        .await
        .expect(200)
        .json();
    assert!(out["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "credential_expiring"));
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn an_smtp_outage_loses_nothing_and_sends_once(t: TestApp) {
    lapsing(&t).await;
    // The same database, served by an instance whose SMTP server is down.
    let mut down = (*t.state.settings).clone();
    down.smtp_url = Some(format!("smtp://127.0.0.1:{}", closed_port()));
    let down = actix_web::web::block(move || registry::build_state(down))
        .await
        .unwrap()
        .unwrap();
    let r = registry::reminders::run(&down, registry::reminders::Trigger::Now)
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed), (0, 1), "{r:?}");
    let failed = t
        .get("/api/v1/notifications?status=failed", &t.admin)
        .await
        .expect(200)
        .json();
    let n = &failed["items"][0];
    assert_eq!(n["attempts"], 1);
    assert!(n["last_error"].as_str().unwrap().len() > 3, "{n}");
    // The schedule waits out the back-off (60 s); a run someone asks for retries at once.
    let scheduled = registry::reminders::run(&down, registry::reminders::Trigger::Schedule)
        .await
        .unwrap();
    assert_eq!((scheduled.sent, scheduled.failed), (0, 0));
    let asked = registry::reminders::run(&down, registry::reminders::Trigger::Now)
        .await
        .unwrap();
    assert_eq!(asked.failed, 1, "still down: retried, still kept");
    assert!(t.smtp.messages().is_empty());

    // The server is back: it all goes, once.
    let back = run(&t).await;
    assert_eq!(
        (
            back["queued"].clone(),
            back["sent"].clone(),
            back["failed"].clone()
        ),
        (json!(0), json!(1), json!(0)),
        "{back}"
    );
    assert_eq!(t.smtp.wait_for(1).await.len(), 1);
    assert_eq!(run(&t).await["sent"], 0);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(t.smtp.messages().len(), 1);
    let sent = t
        .get("/api/v1/notifications?status=sent", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(sent["items"][0]["attempts"], 3);
}

async fn two_instances_send_each_reminder_once(t: TestApp) {
    let s = t.service("Busy").await;
    for i in 0..6 {
        let (me, token) = t
            .person(&s, &format!("p{i}@registry.test"), &["practitioner"])
            .await;
        let cred = json!({"body": "BACP", "kind": "registered_member", "membership_number": format!("B-{i}"), "valid_from": in_days(-300), "expires_on": in_days(5)});
        t.post(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
            cred,
        )
        .await
        .expect(201);
    }
    let settings = (*t.state.settings).clone();
    let other = actix_web::web::block(move || registry::build_state(settings))
        .await
        .unwrap()
        .unwrap();
    let (a, b) = futures_util::join!(
        registry::reminders::run(&t.state, registry::reminders::Trigger::Now),
        registry::reminders::run(&other, registry::reminders::Trigger::Now)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    // Each person: the expiring credential and two supervision rules due soon (new starters).
    assert_eq!(a.queued + b.queued, 18, "{a:?} {b:?}");
    assert_eq!(
        t.count("notifications"),
        18,
        "each lapse queued once between the two instances"
    );
    assert_eq!(a.sent + b.sent, 6, "one digest each: {a:?} {b:?}");
    let mail = t.smtp.wait_for(6).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut to: Vec<String> = t
        .smtp
        .messages()
        .iter()
        .flat_map(|m| m.to.clone())
        .collect();
    to.sort();
    to.dedup();
    assert_eq!((mail.len(), t.smtp.messages().len(), to.len()), (6, 6, 6));
}

async fn a_dry_run_changes_and_sends_nothing(t: TestApp) {
    lapsing(&t).await;
    let would = registry::reminders::dry_run(&t.state).await.unwrap();
    assert!(
        would
            .iter()
            .any(|(_, kind, summary)| kind == "credential_expiring" && summary.contains("BABCP")),
        "{would:?}"
    );
    assert_eq!(t.count("notifications"), 0);
    assert_eq!(t.count("deliveries"), 0);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(t.smtp.messages().is_empty());
}

async fn preferences_and_permissions(t: TestApp) {
    let (me, token) = lapsing(&t).await;
    let prefs = t
        .get("/api/v1/me/notification-preferences", &token)
        .await
        .expect(200)
        .json();
    assert!(prefs["always_on"]
        .as_array()
        .unwrap()
        .contains(&json!("credential_expiring")));
    let put = |body: Value| {
        t.call(
            actix_web::http::Method::PUT,
            "/api/v1/me/notification-preferences",
            Some(&token),
            Some(body),
        )
    };
    let p = put(json!({"disabled": ["credential_expired"]}))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "disabled[0]");
    let saved = put(json!({"disabled": ["supervision_due_soon"]}))
        .await
        .expect(200)
        .json();
    assert_eq!(saved["disabled"], json!(["supervision_due_soon"]));
    run(&t).await;
    let mine = t
        .get(
            &format!("/api/v1/notifications?recipient_id={me}"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    let kinds: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"credential_expiring") && !kinds.contains(&"supervision_due_soon"),
        "{kinds:?}"
    );
    t.post("/api/v1/admin/reminders/run", &token, json!({}))
        .await
        .problem(403);
    t.get("/api/v1/notifications", &token).await.problem(403);
    t.get("/api/v1/notifications?status=lost", &t.admin)
        .await
        .problem(422);
}

async fn a_waiting_sign_off_reminds_the_supervisor(t: TestApp) {
    let s = t.service("Waiting").await;
    let (sup, _) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let (_, token) = t.person(&s, "pwp@registry.test", &["practitioner"]).await;
    let log = json!({"supervisor_id": sup, "held_on": in_days(-1), "duration_minutes": 60, "supervision_type": "case_management", "format": "individual"});
    let l = t
        .post("/api/v1/supervision-logs", &token, log)
        .await
        .expect(201)
        .json();
    let ten_days_ago = (chrono::Utc::now().naive_utc() - Duration::days(10))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    t.sql(&format!(
        "UPDATE supervision_logs SET created_at = '{ten_days_ago}' WHERE id = '{}'",
        l["id"].as_str().unwrap()
    ));
    run(&t).await;
    let mail = t.smtp.wait_for(1).await;
    let to_sup: Vec<String> = mail
        .iter()
        .filter(|m| m.to == vec!["sup@registry.test".to_string()])
        .map(|m| m.data.replace("=\r\n", ""))
        .collect();
    assert_eq!(to_sup.len(), 1, "{mail:?}");
    assert!(
        to_sup[0].contains("waits for your sign-off"),
        "{}",
        to_sup[0]
    );
    // The link opens the sign-off page for exactly the waiting logs, without signing in.
    let text = text_part(&to_sup[0]);
    assert!(
        text.contains("Review the log: https://registry.test/sign-off/"),
        "{text}"
    );
    let token = mail
        .iter()
        .find(|m| m.to == vec!["sup@registry.test".to_string()])
        .unwrap()
        .sign_off_token();
    let id = l["id"].as_str().unwrap();
    let shown = t
        .send(actix_web::test::TestRequest::get().uri(&format!("/sign-off/{token}")))
        .await
        .expect(200)
        .text();
    assert!(shown.contains(&format!("value=\"{id}\"")), "{shown}");
    let start = shown.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf: String = shown[start..].chars().take_while(|c| *c != '"').collect();
    t.send(
        actix_web::test::TestRequest::post()
            .uri(&format!("/sign-off/{token}"))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(format!("csrf={csrf}&ids={id}")),
    )
    .await
    .expect(200);
    let log = t
        .get(&format!("/api/v1/supervision-logs/{id}"), &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(log["status"], "signed_off");
    // The outbox stored the message with a placeholder: the link's token is never written down.
    assert_eq!(
        t.count(&format!(
            "deliveries WHERE body_text LIKE '%{token}%' OR digest LIKE '%{token}%'"
        )),
        0
    );
    assert_eq!(
        t.count("deliveries WHERE digest LIKE '%{{invitation_link}}%'"),
        1
    );
}

/// Emails read as a person reads them: each item once with its link, the service's name and
/// whom to ask, whose required courses are missing, and `List-Unsubscribe` only on mail that
/// can be turned off.
async fn emails_say_what_to_do_where_and_whom_to_ask(t: TestApp) {
    let s = t.service("Northfield Talking Therapies").await;
    t.patch(
        &format!("/api/v1/services/{s}"),
        &t.admin,
        json!({"contact_email": "training.northfield@example.nhs.uk"}),
    )
    .await
    .expect(200);
    let lead = t
        .post(
            "/api/v1/practitioners",
            &t.admin,
            json!({"email": "lead@registry.test", "full_name": "Lee Lead", "service_id": s,
                   "roles": ["training_lead"], "password": PASSWORD}),
        )
        .await
        .expect(201)
        .json();
    let lead_token = t.login("lead@registry.test", PASSWORD).await;
    let (me, token) = t.person(&s, "sam@registry.test", &["practitioner"]).await;
    // Two BABCP credentials on one number, renewing the same day: BABCP's CPD rule is one
    // for the body, so it is one line.
    for kind in ["accredited_practitioner", "accredited_supervisor"] {
        t.post(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
            json!({"body": "BABCP", "kind": kind, "membership_number": "B-77",
                   "valid_from": in_days(-355), "expires_on": in_days(10)}),
        )
        .await
        .expect(201);
    }
    let course = t
        .post(
            "/api/v1/courses",
            &lead_token,
            json!({"title": "Safeguarding adults level 3", "provider": "Trust", "modality": "cbt",
                   "body": "BABCP", "kind": "cpd", "accredited_from": "2020-01-01",
                   "accredited_until": in_days(400)}),
        )
        .await
        .expect(201)
        .json();
    t.post(
        "/api/v1/required-courses",
        &lead_token,
        json!({"service_id": s, "course_id": course["id"]}),
    )
    .await
    .expect(201);
    run(&t).await;
    let mail = t.smtp.wait_for(2).await;
    let to = |who: &str| {
        mail.iter()
            .find(|m| m.to == vec![who.to_string()])
            .map(|m| m.data.replace("=\r\n", ""))
            .unwrap_or_else(|| panic!("no mail to {who}: {mail:?}"))
    };
    let sam = to("sam@registry.test");
    let text = text_part(&sam);
    let items: Vec<&str> = text.lines().filter(|l| l.starts_with("- ")).collect();
    let mut unique = items.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(items.len(), unique.len(), "an item twice: {text}");
    assert_eq!(
        items.iter().filter(|l| l.contains("CPD")).count(),
        1,
        "{text}"
    );
    assert!(text.contains("Northfield Talking Therapies"), "{text}");
    assert!(
        text.contains("training.northfield@example.nhs.uk"),
        "the service's contact: {text}"
    );
    assert!(
        text.contains("which you have not completed")
            && text.contains("See the course: https://registry.test/api/v1/courses/"),
        "{text}"
    );
    for line in text.lines().filter(|l| l.starts_with("- ")) {
        let next = text
            .lines()
            .skip_while(|l| *l != line)
            .nth(1)
            .unwrap_or_default();
        assert!(
            next.trim_start().starts_with("See ") && next.contains("https://registry.test/"),
            "every item has its link: {line} / {next}"
        );
    }
    assert!(header(&sam, "List-Unsubscribe").is_none());
    let html_at = sam.find("text/html").expect("an html part");
    let html = sam[html_at..].replace("=3D", "=");
    assert!(
        html.contains("lang=\"en-GB\"") && html.contains("<h1") && html.contains("<ul"),
        "{html}"
    );

    let lee = to("lead@registry.test");
    let text = text_part(&lee);
    assert!(
        text.contains("Person sam@registry.test (\"Safeguarding adults level 3\")"),
        "the summary says whose: {text}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("- ") && l.contains("supervision")),
        "a lead who sees no patients is told nothing clinical: {text}"
    );
    assert_eq!(
        header(&lee, "List-Unsubscribe"),
        Some("<https://registry.test/settings#reminders>"),
        "only reminders that can be turned off: {lee}"
    );
    assert!(lead["staff"].as_bool().unwrap());
}
