//! The verification queue (`GET /api/v1/verification-queue`, the `/verification` page): the
//! credentials nobody has checked, oldest first, in the caller's scope; a check recorded from
//! the page as through `PATCH /accreditations/{id}`, nobody checking their own. And the audit
//! trail's page (`/audit`), where that check shows, filtered, and the chain is verified; and the
//! reminders page (`/reminders`), where a run finds the credential expiring soon.

use crate::both;
use crate::dashboard::{credential, in_days, seed};
use crate::support::*;

both!(
    the_queue_is_oldest_first_and_in_scope,
    a_lead_records_a_check_from_the_page,
    the_audit_trail_page_filters_and_verifies,
    the_reminders_page_lists_the_outbox_and_runs_now,
);

async fn the_queue_is_oldest_first_and_in_scope(t: TestApp) {
    seed(&t).await;
    let lead = t.login("lead@registry.test", PASSWORD).await;
    let mine = t
        .get("/api/v1/verification-queue", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["full_name"], "Person ana@registry.test");
    assert_eq!(mine["items"][0]["cannot_verify"], serde_json::Value::Null);
    let all = t
        .get("/api/v1/verification-queue", &t.admin)
        .await
        .expect(200)
        .json();
    let names: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["full_name"].as_str().expect("a name"))
        .collect();
    assert_eq!(
        names,
        vec!["Person ana@registry.test", "Person cai@registry.test"],
        "oldest first"
    );
    t.get("/api/v1/verification-queue?limit=0", &lead)
        .await
        .expect(422);
    let pwp = t.login("ana@registry.test", PASSWORD).await;
    t.get("/api/v1/verification-queue", &pwp).await.expect(403);
}

async fn a_lead_records_a_check_from_the_page(t: TestApp) {
    seed(&t).await;
    let lead_id = t
        .get("/api/v1/me", &t.login("lead@registry.test", PASSWORD).await)
        .await
        .expect(200)
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let own = credential(&t, &lead_id, "WPW-LEAD", &in_days(300)).await;
    let admin_queue = t
        .get("/api/v1/verification-queue", &t.admin)
        .await
        .expect(200)
        .json();
    let id_of = |name: &str| {
        admin_queue["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["full_name"] == name)
            .and_then(|i| i["id"].as_str())
            .expect("in the queue")
            .to_string()
    };
    let ana = id_of("Person ana@registry.test");
    let cai = id_of("Person cai@registry.test");

    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let page = b.get("/verification").await.expect(200).text();
    assert!(
        page.contains("2 credentials are waiting for a check"),
        "{page}"
    );
    assert!(page.contains(&format!("action=\"/verification/{ana}\"")));
    assert!(!page.contains(&format!("action=\"/verification/{own}\"")));
    assert!(page.contains("nobody verifies their own credential"));
    assert!(
        !page.contains(&cai),
        "another service's credential is not listed"
    );

    // Without saying how: the form again, the problem linked to the field.
    let again = b
        .post(
            &format!("/verification/{ana}"),
            &[("verification_reference", "BPS register")],
        )
        .await
        .expect(422)
        .text();
    assert!(again.contains("There is a problem"));
    assert!(again.contains(&format!("href=\"#method-{ana}\"")));
    assert!(
        again.contains("value=\"BPS register\""),
        "what was typed is kept"
    );
    // Without the session's form token: refused, nothing changed.
    b.post_raw(
        &format!("/verification/{ana}"),
        &[("verification_method", "register_lookup")],
    )
    .await
    .expect(403);
    // Their own, and another service's: refused as the API refuses them.
    b.post(
        &format!("/verification/{own}"),
        &[("verification_method", "register_lookup")],
    )
    .await
    .expect(403);
    b.post(
        &format!("/verification/{cai}"),
        &[("verification_method", "register_lookup")],
    )
    .await
    .expect(404);
    assert_eq!(t.count("accreditations WHERE verified_at IS NOT NULL"), 1);

    let done = b
        .post(
            &format!("/verification/{ana}"),
            &[
                ("verification_method", "register_lookup"),
                ("verification_reference", "BPS register, 4 Dec"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(
        done.header("location").as_deref(),
        Some("/verification?done=1")
    );
    let after = b.get("/verification?done=1").await.expect(200).text();
    assert!(after.contains("The check is recorded"));
    assert!(after.contains("1 credential is waiting"), "{after}");
    let checked = t
        .get(
            &format!(
                "/api/v1/practitioners/{}/accreditations",
                ana_owner(&t).await
            ),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    let item = &checked["items"][0];
    assert_eq!(item["verified_by"], lead_id.as_str());
    assert_eq!(item["verification_method"], "register_lookup");
    assert_eq!(item["verification_reference"], "BPS register, 4 Dec");
    let events = t
        .get(
            &format!("/api/v1/audit/events?entity_type=accreditation&entity_id={ana}"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    assert!(events["items"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["action"] == "verify" && e["actor_id"] == lead_id.as_str()));
}

async fn ana_owner(t: &TestApp) -> String {
    let list = t
        .get("/api/v1/practitioners?q=ana", &t.admin)
        .await
        .expect(200)
        .json();
    list["items"][0]["id"].as_str().expect("id").to_string()
}

async fn the_audit_trail_page_filters_and_verifies(t: TestApp) {
    let (_, _, checked) = seed(&t).await;
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let page = b.get("/audit").await.expect(200).text();
    assert!(page.contains("<title>Audit trail"), "{page}");
    assert!(page.contains("Verify the trail"));
    let one = b
        .get(&format!(
            "/audit?entity_type=accreditation&entity_id={checked}"
        ))
        .await
        .expect(200)
        .text();
    assert!(one.contains("verify"), "{one}");
    assert!(one.contains("verified at"), "the fields it changed: {one}");
    let intact = b.get("/audit?verify=1").await.expect(200).text();
    assert!(intact.contains("The trail is intact"), "{intact}");
    let tamper = format!(
        "UPDATE audit_events SET after_value = '{{\"forged\":true}}' WHERE entity_id = '{checked}'"
    );
    if t.backend == Backend::Postgres {
        // Only the table's owner, switching its trigger off, can change an event.
        t.sql(&format!("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; {tamper}; ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"));
    } else {
        t.sql(&tamper);
    }
    let broken = b.get("/audit?verify=1").await.expect(200).text();
    assert!(broken.contains("The trail is broken: event"), "{broken}");
    let p = t.sign_in("ana@registry.test", PASSWORD).await;
    p.get("/audit").await.expect(404);
}

async fn the_reminders_page_lists_the_outbox_and_runs_now(t: TestApp) {
    seed(&t).await;
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let page = b.get("/reminders").await.expect(200).text();
    assert!(page.contains("Run now"));
    let ran = b.post("/reminders/run", &[]).await.expect(200).text();
    assert!(ran.contains("The run found"), "{ran}");
    let listed = b.get("/reminders").await.expect(200).text();
    assert!(listed.contains("Reminders, newest first"), "{listed}");
    b.get("/reminders?status=lost").await.expect(422);
    b.post_raw("/reminders/run", &[]).await.expect(403);
    let p = t.sign_in("ana@registry.test", PASSWORD).await;
    p.get("/reminders").await.expect(404);
    p.post("/reminders/run", &[]).await.expect(404);
}
