use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    every_write_is_audited_with_before_and_after,
    training_leads_read_their_services_history,
    the_chain_verifies_and_names_an_altered_event,
    a_long_export_streams_every_event_once,
);

/// More events than three export batches: the CSV streams them all, each once, newest first.
async fn a_long_export_streams_every_event_once(t: TestApp) {
    let (id, at) = match t.backend {
        Backend::Sqlite => ("printf('bulk-%08d', i)", "CURRENT_TIMESTAMP"),
        Backend::Postgres => ("'bulk-' || lpad(i::text, 8, '0')", "now()"),
    };
    t.sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2345) \
         INSERT INTO audit_events (id, at, action, entity_type, entity_id) \
         SELECT {id}, {at}, 'import', 'bulk', {id} FROM n"
    ));
    let res = t
        .send(
            actix_web::test::TestRequest::get()
                .uri("/api/v1/audit/events?entity_type=bulk")
                .insert_header(("Authorization", format!("Bearer {}", t.admin)))
                .insert_header(("Accept", "text/csv")),
        )
        .await
        .expect(200);
    assert!(res.header("content-type").unwrap().starts_with("text/csv"));
    let text = res.text();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 2345);
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 2345, "no event twice");
    assert_eq!((ids[0], ids[2344]), ("bulk-00002345", "bulk-00000001"));
    // Revealing special-category values is for the JSON pages, where each reading is recorded.
    t.send(
        actix_web::test::TestRequest::get()
            .uri("/api/v1/audit/events?special_category=reveal")
            .insert_header(("Authorization", format!("Bearer {}", t.admin)))
            .insert_header(("Accept", "text/csv")),
    )
    .await
    .problem(422);
}

async fn the_chain_verifies_and_names_an_altered_event(t: TestApp) {
    let s = t.service("Chained").await;
    t.patch(
        &format!("/api/v1/services/{s}"),
        &t.admin,
        json!({"name": "Chained again"}),
    )
    .await
    .expect(200);
    let (_, token) = t.person(&s, "p@registry.test", &["practitioner"]).await;
    let v = t
        .get("/api/v1/audit/verify", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(v["events"], t.count("audit_events"));
    assert!(v["first_broken_event_id"].is_null());
    t.get("/api/v1/audit/verify", &token).await.problem(403);

    let events = t
        .get(&format!("/api/v1/audit/events?entity_id={s}"), &t.admin)
        .await
        .expect(200)
        .json();
    let target = events["items"][1]["id"].as_str().unwrap().to_string();
    let tamper = format!(
        "UPDATE audit_events SET after_value = '{{\"name\":\"Forged\"}}' WHERE id = '{target}'"
    );
    if t.backend == Backend::Postgres {
        // The trigger refuses any change; only the table's owner, switching it off, can tamper.
        let mut conn = t.state.pool.get().unwrap();
        assert!(diesel::connection::SimpleConnection::batch_execute(&mut *conn, &tamper).is_err());
        drop(conn);
        t.sql(&format!("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; {tamper}; ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"));
    } else {
        t.sql(&tamper);
    }
    let v = t
        .get("/api/v1/audit/verify", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_broken_event_id"], json!(target));
}

async fn every_write_is_audited_with_before_and_after(t: TestApp) {
    let admin = t.get("/api/v1/me", &t.admin).await.expect(200).json();
    let s = t.service("Audited").await;
    t.patch(
        &format!("/api/v1/services/{s}"),
        &t.admin,
        json!({"provider": "New Provider"}),
    )
    .await
    .expect(200);
    let events = t
        .get(
            &format!("/api/v1/audit/events?entity_type=service&entity_id={s}"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Newest first.
    assert_eq!(items[0]["action"], "update");
    assert_eq!(items[0]["actor_id"], admin["id"]);
    assert_eq!(items[0]["before"]["provider"], "Test NHS Foundation Trust");
    assert_eq!(items[0]["after"]["provider"], "New Provider");
    assert_eq!(items[1]["action"], "create");
    assert!(items[1]["before"].is_null());
    assert!(items[1]["at"].as_str().unwrap().ends_with('Z'));

    let (id, _) = t
        .person(&s, "audited@registry.test", &["practitioner"])
        .await;
    t.delete(&format!("/api/v1/practitioners/{id}"), &t.admin)
        .await
        .expect(204);
    let events = t
        .get(&format!("/api/v1/audit/events?entity_id={id}"), &t.admin)
        .await
        .expect(200)
        .json();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["deactivate", "create"]);
    let by_actor = t
        .get(
            &format!(
                "/api/v1/audit/events?actor_id={}&limit=2",
                admin["id"].as_str().unwrap()
            ),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(by_actor["items"].as_array().unwrap().len(), 2);
    assert!(by_actor["next_cursor"].is_string());
    // No secret ever reaches the trail.
    let all = t
        .get("/api/v1/audit/events?limit=500", &t.admin)
        .await
        .expect(200)
        .json()
        .to_string();
    assert!(!all.contains("argon2") && !all.contains(PASSWORD), "{all}");
    // A failed write leaves no event behind.
    let before = t.count("audit_events");
    t.post(
        "/api/v1/services",
        &t.admin,
        json!({"name": "", "provider": "x"}),
    )
    .await
    .problem(422);
    assert_eq!(t.count("audit_events"), before);
}

async fn training_leads_read_their_services_history(t: TestApp) {
    let mine = t.service("Mine").await;
    let theirs = t.service("Theirs").await;
    let (_, lead) = t
        .person(&mine, "lead@registry.test", &["training_lead"])
        .await;
    let (other, _) = t
        .person(&theirs, "other@registry.test", &["practitioner"])
        .await;
    let events = t
        .get("/api/v1/audit/events?limit=500", &lead)
        .await
        .expect(200)
        .json();
    let items = events["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|e| e["service_id"] == json!(mine)),
        "{events}"
    );
    let none = t
        .get(&format!("/api/v1/audit/events?entity_id={other}"), &lead)
        .await
        .expect(200)
        .json();
    assert!(none["items"].as_array().unwrap().is_empty());
}
