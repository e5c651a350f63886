//! Supervisors from outside the service, and countersigning from the emailed link.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    an_external_supervisor_countersigns_from_the_emailed_link,
    a_sign_off_link_decides_only_its_own_logs_and_stops_working,
    external_supervisors_stay_in_their_service,
);

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// The form token a link's page carries, read from the page.
fn csrf(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    html[start..].chars().take_while(|c| *c != '"').collect()
}

struct Setup {
    lead: String,
    pwp: String,
    pwp_token: String,
    external: Value,
}

async fn setup(t: &TestApp) -> Setup {
    let s = t.service("Counselling North").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (pwp, pwp_token) = t.person(&s, "pwp@registry.test", &["practitioner"]).await;
    let external = t
        .post(
            "/api/v1/external-supervisors",
            &lead,
            json!({"email": "ext@elsewhere.test", "full_name": "Erin External", "body": "BACP", "registration_number": "BACP-123456"}),
        )
        .await
        .expect(201)
        .json();
    Setup {
        lead,
        pwp,
        pwp_token,
        external,
    }
}

async fn status_of(t: &TestApp, log: &str, token: &str) -> Value {
    t.get(&format!("/api/v1/supervision-logs/{log}"), token)
        .await
        .expect(200)
        .json()
}

/// Logs a session naming `sup` as the pwp: answers the log's id.
async fn log_with(t: &TestApp, x: &Setup, sup: &str, minutes: i32) -> String {
    let log = t
        .post(
            "/api/v1/supervision-logs",
            &x.pwp_token,
            log_naming(sup, minutes),
        )
        .await
        .expect(201)
        .json();
    log["id"].as_str().expect("an id").to_string()
}

fn log_naming(sup: &str, minutes: i32) -> Value {
    json!({"supervisor_id": sup, "held_on": today(), "duration_minutes": minutes,
           "supervision_type": "case_management", "format": "individual"})
}

async fn verify(t: &TestApp, lead: &str, id: &str) -> Value {
    t.post(
        &format!("/api/v1/external-supervisors/{id}/verification"),
        lead,
        json!({"verified": true, "verification_method": "register_lookup", "verification_reference": "BACP register, 1 Dec"}),
    )
    .await
    .expect(200)
    .json()
}

async fn an_external_supervisor_countersigns_from_the_emailed_link(t: TestApp) {
    let x = setup(&t).await;
    let ext = x.external["id"].as_str().unwrap().to_string();
    assert_eq!(x.external["verified"], false);
    assert_eq!(x.external["service_name"], "Counselling North");
    // No invitation: they never sign in, and cannot reset a password into existence.
    t.call(
        Method::POST,
        "/api/v1/auth/password-reset",
        None,
        Some(json!({"email": "ext@elsewhere.test"})),
    )
    .await
    .expect(202);
    t.post(
        &format!("/api/v1/practitioners/{ext}/invitation"),
        &x.lead,
        json!({}),
    )
    .await
    .problem(409);
    // Unverified: a log may not name them yet, and says why.
    let refused = t
        .post(
            "/api/v1/supervision-logs",
            &x.pwp_token,
            log_naming(&ext, 60),
        )
        .await
        .problem(422);
    assert!(
        refused.to_string().contains("not verified yet"),
        "{refused}"
    );
    let checked = verify(&t, &x.lead, &ext).await;
    assert_eq!(checked["verified"], true);
    assert_eq!(checked["verified_by_name"], "Person lead@registry.test");
    let log_id = log_with(&t, &x, &ext, 60).await;
    let mail = t.smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1, "only the countersign request: {mail:?}");
    assert_eq!(mail[0].to, vec!["ext@elsewhere.test".to_string()]);
    assert!(mail[0].data.contains("countersign"), "{}", mail[0].data);
    let token = mail[0].sign_off_token();
    assert!(token.len() >= 22, "{token}");
    let path = format!("/sign-off/{token}");

    let shown = t.page(&path).await.expect(200);
    assert_eq!(
        shown.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    let html = shown.text();
    assert!(html.contains("noindex"), "{html}");
    assert!(html.contains("Person pwp@registry.test"), "{html}");
    assert!(
        html.contains(&format!("name=\"ids\" value=\"{log_id}\"")),
        "{html}"
    );
    // Opening it (as a mail scanner would) changed nothing.
    t.page(&path).await.expect(200);
    let still = status_of(&t, &log_id, &x.pwp_token).await;
    assert_eq!(still["status"], "submitted");

    // A post without the page's form token is refused and changes nothing.
    t.form(&path, &[("ids", &log_id)]).await.expect(403);
    let still = status_of(&t, &log_id, &x.pwp_token).await;
    assert_eq!(still["status"], "submitted");

    let token_field = csrf(&html);
    let done = t
        .form(&path, &[("csrf", &token_field), ("ids", &log_id)])
        .await
        .expect(200)
        .text();
    assert!(done.contains("You countersigned 1 session"), "{done}");
    let signed = status_of(&t, &log_id, &x.pwp_token).await;
    assert_eq!(signed["status"], "signed_off");
    let events = t
        .get(
            &format!("/api/v1/audit/events?entity_id={log_id}"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    let actions: Vec<(&str, &str)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        actions.contains(&("sign_off_by_email_link", ext.as_str())),
        "{actions:?}"
    );
    let after = t.page(&path).await.expect(200).text();
    assert!(after.contains("Nothing is waiting"), "{after}");
    // The same post again decides nothing twice.
    t.form(&path, &[("csrf", &token_field), ("ids", &log_id)])
        .await
        .expect(409);

    // The evidence pack names them with their body, number and contact details.
    let pack = t
        .get(
            &format!("/api/v1/practitioners/{}/evidence-pack?body=BACP", x.pwp),
            &x.pwp_token,
        )
        .await
        .expect(200)
        .json();
    let sup = &pack["supervision"]["supervisors"][0];
    assert_eq!(sup["full_name"], "Erin External");
    assert_eq!(sup["email"], "ext@elsewhere.test");
    assert_eq!(sup["external"], true);
    assert_eq!(sup["registration_number"], "BACP-123456");
    assert_eq!(sup["registration_verified"], true);
    let html = t
        .send(
            TestRequest::get()
                .uri(&format!(
                    "/api/v1/practitioners/{}/evidence-pack?body=BACP",
                    x.pwp
                ))
                .insert_header(("Authorization", format!("Bearer {}", x.pwp_token)))
                .insert_header(("Accept", "text/html")),
        )
        .await
        .expect(200)
        .text();
    assert!(
        html.contains("From outside the service: BACP BACP-123456, verified"),
        "{html}"
    );
    // No sign-in for them, ever.
    t.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": "ext@elsewhere.test", "password": PASSWORD})),
    )
    .await
    .problem(401);
    assert_eq!(t.smtp.messages().len(), 1, "no reset or invitation mail");
}

async fn a_sign_off_link_decides_only_its_own_logs_and_stops_working(t: TestApp) {
    let x = setup(&t).await;
    let ext = x.external["id"].as_str().unwrap().to_string();
    verify(&t, &x.lead, &ext).await;
    let first = log_with(&t, &x, &ext, 60).await;
    let second = log_with(&t, &x, &ext, 45).await;
    let mail = t.smtp.wait_for(2).await;
    let tokens: Vec<String> = mail.iter().map(|m| m.sign_off_token()).collect();
    assert_ne!(tokens[0], tokens[1]);
    // The messages may arrive in either order: find the first log's link.
    let mut first_link = None;
    for tok in &tokens {
        let html = t.page(&format!("/sign-off/{tok}")).await.expect(200).text();
        if html.contains(&first) {
            first_link = Some((tok.clone(), csrf(&html)));
        }
    }
    let (tok, csrf_field) = first_link.expect("a link naming the first log");
    let path = format!("/sign-off/{tok}");
    // The first log's link cannot decide the second log.
    let refused = t
        .form(&path, &[("csrf", &csrf_field), ("ids", &second)])
        .await
        .expect(422)
        .text();
    assert!(refused.contains("this link may decide"), "{refused}");
    let second_now = status_of(&t, &second, &x.pwp_token).await;
    assert_eq!(second_now["status"], "submitted");
    // A rejection needs a reason, then sends the log back with it.
    t.form(
        &path,
        &[("csrf", &csrf_field), ("reject", &first), ("reason", " ")],
    )
    .await
    .expect(422);
    t.form(
        &path,
        &[
            ("csrf", &csrf_field),
            ("reject", &first),
            ("reason", "We met for 45 minutes, not 60"),
        ],
    )
    .await
    .expect(200);
    let rejected = status_of(&t, &first, &x.pwp_token).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(
        rejected["rejection_reason"],
        "We met for 45 minutes, not 60"
    );

    // The other link stops working when it expires, and when its supervisor is deactivated.
    let other = tokens.iter().find(|t| **t != tok).unwrap();
    t.page(&format!("/sign-off/{other}")).await.expect(200);
    t.patch(
        &format!("/api/v1/practitioners/{ext}"),
        &x.lead,
        json!({"active": false}),
    )
    .await
    .expect(200);
    let gone = t
        .page(&format!("/sign-off/{other}"))
        .await
        .expect(404)
        .text();
    assert!(gone.contains("expired or no longer works"), "{gone}");
    t.patch(
        &format!("/api/v1/practitioners/{ext}"),
        &x.lead,
        json!({"active": true}),
    )
    .await
    .expect(200);
    t.page(&format!("/sign-off/{other}")).await.expect(200);
    t.sql("UPDATE invitations SET expires_at = '2020-01-01 00:00:00' WHERE purpose = 'sign_off'");
    t.page(&format!("/sign-off/{other}")).await.expect(404);
    // Nonsense and unknown tokens are the same 404.
    t.page("/sign-off/nonsense").await.expect(404);
    t.page("/sign-off/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await
        .expect(404);
}

async fn external_supervisors_stay_in_their_service(t: TestApp) {
    let x = setup(&t).await;
    let ext = x.external["id"].as_str().unwrap().to_string();
    let other = t.service("Elsewhere").await;
    let (_, other_lead) = t
        .person(&other, "lead2@registry.test", &["training_lead"])
        .await;
    let (_, other_pwp) = t
        .person(&other, "pwp2@registry.test", &["practitioner"])
        .await;
    t.get(&format!("/api/v1/external-supervisors/{ext}"), &other_lead)
        .await
        .problem(404);
    let listed = t
        .get("/api/v1/external-supervisors", &other_lead)
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    // Their own service's practitioners see them, to name them; they may not change them.
    let mine = t
        .get("/api/v1/external-supervisors", &x.pwp_token)
        .await
        .expect(200)
        .json();
    assert_eq!(mine["items"][0]["id"], ext.as_str());
    t.patch(
        &format!("/api/v1/external-supervisors/{ext}"),
        &x.pwp_token,
        json!({"full_name": "Someone Else"}),
    )
    .await
    .problem(403);
    t.post(
        &format!("/api/v1/external-supervisors/{ext}/verification"),
        &other_lead,
        json!({"verified": true, "verification_method": "register_lookup"}),
    )
    .await
    .problem(404);
    // Another service's person cannot name them: they do not supervise there.
    verify(&t, &x.lead, &ext).await;
    t.post("/api/v1/supervision-logs", &other_pwp, log_naming(&ext, 60))
        .await
        .problem(422);
    // Every field problem at once; a lead adds only to their own service.
    let p = t
        .post(
            "/api/v1/external-supervisors",
            &x.lead,
            json!({"email": "nope", "full_name": "", "body": "XYZ", "registration_number": ""}),
        )
        .await
        .problem(422);
    let fields = error_fields(&p);
    assert_eq!(
        fields,
        vec!["body", "email", "full_name", "registration_number"]
    );
    t.post(
        "/api/v1/external-supervisors",
        &x.lead,
        json!({"email": "e2@elsewhere.test", "full_name": "E Two", "body": "BACP", "registration_number": "1", "service_id": other}),
    )
    .await
    .problem(403);
    // A new registration number must be checked again.
    let changed = t
        .patch(
            &format!("/api/v1/external-supervisors/{ext}"),
            &x.lead,
            json!({"registration_number": "BACP-999"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(changed["verified"], false);
    assert_eq!(changed["registration_number"], "BACP-999");
}
