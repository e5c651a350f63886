use std::collections::HashSet;

use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    a_practitioner_is_created_with_defaults,
    emails_are_unique_whatever_their_case,
    bad_practitioners_get_field_errors,
    training_leads_manage_their_own_service_only,
    practitioners_see_only_themselves,
    pages_cover_every_person_once,
    lists_filter_by_service_role_and_text,
    ethnicity_is_the_persons_own,
    staff_fields_are_for_managers,
    deactivation_is_a_soft_delete,
    a_page_costs_the_same_queries_whatever_its_size,
    staff_without_a_practitioner_role_stay_out_of_clinical_counts,
);

/// A training lead who sees no patients is staff: no practitioner role, stage or WTE, shown as
/// staff, and kept out of the compliance report, the workforce and representation counts and
/// the supervision reminders.
async fn staff_without_a_practitioner_role_stay_out_of_clinical_counts(t: TestApp) {
    let s = t.service("Staff").await;
    let lead = t
        .post(
            "/api/v1/practitioners",
            &t.admin,
            json!({"email": "lead@registry.test", "full_name": "Lead Only", "service_id": s,
                   "roles": ["training_lead"], "password": PASSWORD}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(lead["staff"], true);
    assert!(lead["practitioner_role"].is_null() && lead["wte"].is_null());
    let lead_id = lead["id"].as_str().unwrap().to_string();
    // A practitioner still needs all three; staff give none of them.
    let p = t
        .post(
            "/api/v1/practitioners",
            &t.admin,
            json!({"email": "half@registry.test", "full_name": "Half", "service_id": s,
                   "practitioner_role": "pwp"}),
        )
        .await
        .problem(422);
    let fields = error_fields(&p);
    assert!(fields.contains(&"stage") && fields.contains(&"wte"), "{p}");
    t.post(
        "/api/v1/practitioners",
        &t.admin,
        json!({"email": "odd@registry.test", "full_name": "Odd", "service_id": s, "wte": 1.0,
               "roles": ["training_lead"]}),
    )
    .await
    .problem(422);
    let (_, _pwp) = t.person(&s, "pwp@registry.test", &["practitioner"]).await;
    let token = t.login("lead@registry.test", PASSWORD).await;
    let report = t
        .get(
            &format!("/api/v1/reports/supervision-compliance?service_id={s}"),
            &token,
        )
        .await
        .expect(200)
        .json();
    assert!(
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["practitioner_id"] != lead_id.as_str()),
        "{report}"
    );
    let workforce = t
        .get("/api/v1/reports/workforce", &token)
        .await
        .expect(200)
        .json();
    assert_eq!(workforce["totals"]["headcount"], 1, "{workforce}");
    let me = t
        .get(
            &format!("/api/v1/practitioners/{lead_id}/supervision-compliance"),
            &token,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(me["items"], json!([]));
    t.post("/api/v1/admin/reminders/run", &t.admin, json!({}))
        .await
        .expect(200);
    for m in t.smtp.messages() {
        assert!(
            !(m.data.contains("lead@registry.test")
                && m.data.to_lowercase().contains("supervision")),
            "the lead was reminded of supervision: {}",
            m.data
        );
    }
}

/// The list query runs once per page, however many people the page holds (no query per row).
async fn a_page_costs_the_same_queries_whatever_its_size(t: TestApp) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use diesel::connection::{Connection, InstrumentationEvent};
    use registry::auth::policy::PeopleScope;
    use registry::http::page::PageRequest;
    use registry::people::queries::{list, PeopleFilter};

    let s = t.service("Counted").await;
    for i in 0..40 {
        t.post(
            "/api/v1/practitioners",
            &t.admin,
            new_person(&s, &format!("c{i}@registry.test")),
        )
        .await
        .expect(201);
    }
    let mut conn = t.state.pool.get().unwrap();
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = e {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut per_page = Vec::new();
    for limit in [1, 10, 40] {
        queries.store(0, Ordering::SeqCst);
        let page = PageRequest::parse(Some(limit), None).unwrap();
        let rows = list(
            &mut conn,
            &PeopleScope::All,
            &PeopleFilter::default(),
            &page,
        )
        .unwrap();
        assert_eq!(rows.len() as i64, (limit + 1).min(40));
        per_page.push(queries.load(Ordering::SeqCst));
    }
    assert_eq!(per_page, vec![1, 1, 1]);
}

fn new_person(service: &str, email: &str) -> Value {
    json!({"email": email, "full_name": "Alex Example", "service_id": service, "practitioner_role": "pwp",
           "stage": "qualified", "wte": 1.0, "password": PASSWORD})
}

async fn a_practitioner_is_created_with_defaults(t: TestApp) {
    let s = t.service("West").await;
    let mut body = new_person(&s, "Alex.Example@Registry.test");
    body["practitioner_role"] = json!("counsellor");
    body["wte"] = json!(0.6);
    let p = t
        .post("/api/v1/practitioners", &t.admin, body)
        .await
        .expect(201)
        .json();
    assert_eq!(p["email"], "Alex.Example@Registry.test");
    assert_eq!(p["modality"], "cfd");
    assert_eq!(p["roles"], json!(["practitioner"]));
    assert_eq!(p["wte"], 0.6);
    assert_eq!(p["active"], true);
    assert_eq!(p["started_on"], chrono::Utc::now().date_naive().to_string());
    assert!(p.get("ethnicity").is_none());
    assert!(p.get("invitation").is_none());
    for key in ["id", "created_at", "updated_at"] {
        assert!(p.get(key).is_some(), "{key}");
    }
    let got = t
        .get(
            &format!("/api/v1/practitioners/{}", p["id"].as_str().unwrap()),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(got["full_name"], "Alex Example");
    t.login("alex.example@registry.test", PASSWORD).await;
}

async fn emails_are_unique_whatever_their_case(t: TestApp) {
    let s = t.service("West").await;
    t.post(
        "/api/v1/practitioners",
        &t.admin,
        new_person(&s, "dup@registry.test"),
    )
    .await
    .expect(201);
    t.post(
        "/api/v1/practitioners",
        &t.admin,
        new_person(&s, "DUP@registry.test"),
    )
    .await
    .problem(409);
    let (id, _) = t.person(&s, "other@registry.test", &["practitioner"]).await;
    t.patch(
        &format!("/api/v1/practitioners/{id}"),
        &t.admin,
        json!({"email": "Dup@Registry.Test"}),
    )
    .await
    .problem(409);
}

async fn bad_practitioners_get_field_errors(t: TestApp) {
    let s = t.service("West").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("wte", json!(1.5), "wte"),
        ("wte", json!(0.05), "wte"),
        ("email", json!("not-an-email"), "email"),
        (
            "practitioner_role",
            json!("psychiatrist"),
            "practitioner_role",
        ),
        ("stage", json!("senior"), "stage"),
        ("started_on", json!("2026-13-45"), "started_on"),
        (
            "service_id",
            json!("00000000-0000-0000-0000-000000000000"),
            "service_id",
        ),
        ("password", json!("short"), "password"),
        ("roles", json!(["wizard"]), "roles[0]"),
    ];
    for (field, value, expected) in cases {
        let mut body = new_person(&s, "bad@registry.test");
        body[field] = value;
        let p = t
            .post("/api/v1/practitioners", &t.admin, body)
            .await
            .problem(422);
        let fields = error_fields(&p);
        assert!(fields.contains(&expected), "{field}: {p}");
    }
    let mut missing = new_person(&s, "bad@registry.test");
    missing.as_object_mut().unwrap().remove("full_name");
    let p = t
        .post("/api/v1/practitioners", &t.admin, missing)
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "full_name");
    assert_eq!(
        t.count("users WHERE email_lower = 'bad@registry.test'"),
        0,
        "nothing half-written"
    );
}

async fn training_leads_manage_their_own_service_only(t: TestApp) {
    let mine = t.service("Mine").await;
    let theirs = t.service("Theirs").await;
    let (_, lead) = t
        .person(
            &mine,
            "lead@registry.test",
            &["training_lead", "supervisor"],
        )
        .await;
    let (stranger, _) = t
        .person(&theirs, "stranger@registry.test", &["practitioner"])
        .await;

    let p = t
        .post(
            "/api/v1/practitioners",
            &lead,
            new_person(&mine, "new@registry.test"),
        )
        .await
        .expect(201)
        .json();
    t.post(
        "/api/v1/practitioners",
        &lead,
        new_person(&theirs, "new2@registry.test"),
    )
    .await
    .problem(403);
    let mut admin_grant = new_person(&mine, "new3@registry.test");
    admin_grant["roles"] = json!(["admin"]);
    t.post("/api/v1/practitioners", &lead, admin_grant)
        .await
        .problem(403);

    // Someone of another service is not found at all, so ids cannot be probed.
    t.get(&format!("/api/v1/practitioners/{stranger}"), &lead)
        .await
        .problem(404);
    t.patch(
        &format!("/api/v1/practitioners/{stranger}"),
        &lead,
        json!({"wte": 0.5}),
    )
    .await
    .problem(404);
    t.delete(&format!("/api/v1/practitioners/{stranger}"), &lead)
        .await
        .problem(404);
    // Moving someone out of the lead's service needs the other service too.
    let id = p["id"].as_str().unwrap();
    t.patch(
        &format!("/api/v1/practitioners/{id}"),
        &lead,
        json!({"service_id": theirs}),
    )
    .await
    .problem(403);
    t.patch(
        &format!("/api/v1/practitioners/{id}"),
        &lead,
        json!({"roles": ["practitioner", "admin"]}),
    )
    .await
    .problem(403);
    let list = t
        .get("/api/v1/practitioners?limit=500", &lead)
        .await
        .expect(200)
        .json();
    let services: HashSet<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["service_id"].as_str().unwrap())
        .collect();
    assert_eq!(services, HashSet::from([mine.as_str()]));
}

async fn practitioners_see_only_themselves(t: TestApp) {
    let s = t.service("West").await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let (colleague, _) = t
        .person(&s, "colleague@registry.test", &["practitioner"])
        .await;
    t.get(&format!("/api/v1/practitioners/{me}"), &token)
        .await
        .expect(200);
    t.get(&format!("/api/v1/practitioners/{colleague}"), &token)
        .await
        .problem(404);
    t.get("/api/v1/practitioners", &token).await.problem(403);
    t.post(
        "/api/v1/practitioners",
        &token,
        new_person(&s, "x@registry.test"),
    )
    .await
    .problem(403);
    t.get("/api/v1/audit/events", &token).await.problem(403);
    // A supervisor lists their own service.
    let (_, sup) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    let list = t
        .get("/api/v1/practitioners", &sup)
        .await
        .expect(200)
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        3,
        "the three people of the service"
    );
    t.patch(
        &format!("/api/v1/practitioners/{colleague}"),
        &sup,
        json!({"wte": 0.5}),
    )
    .await
    .problem(403);
}

async fn pages_cover_every_person_once(t: TestApp) {
    let s = t.service("Paged").await;
    let mut expected = HashSet::new();
    for i in 0..7 {
        let body = new_person(&s, &format!("p{i}@registry.test"));
        let p = t
            .post("/api/v1/practitioners", &t.admin, body)
            .await
            .expect(201)
            .json();
        expected.insert(p["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/practitioners?limit=3&cursor={c}"),
            None => "/api/v1/practitioners?limit=3".to_string(),
        };
        let page = t.get(&path, &t.admin).await.expect(200).json();
        pages += 1;
        for p in page["items"].as_array().unwrap() {
            seen.push(p["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), expected);
    let p = t
        .get("/api/v1/practitioners?limit=0", &t.admin)
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "limit");
    t.get("/api/v1/practitioners?limit=501", &t.admin)
        .await
        .problem(422);
    let p = t
        .get("/api/v1/practitioners?cursor=bogus", &t.admin)
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "cursor");
}

async fn lists_filter_by_service_role_and_text(t: TestApp) {
    let a = t.service("A").await;
    let b = t.service("B").await;
    let mut cbt = new_person(&a, "cbt@registry.test");
    cbt["practitioner_role"] = json!("cbt_therapist");
    cbt["full_name"] = json!("Morgan O'Neill");
    t.post("/api/v1/practitioners", &t.admin, cbt)
        .await
        .expect(201);
    t.post(
        "/api/v1/practitioners",
        &t.admin,
        new_person(&a, "pwp@registry.test"),
    )
    .await
    .expect(201);
    t.post(
        "/api/v1/practitioners",
        &t.admin,
        new_person(&b, "pwp_b@registry.test"),
    )
    .await
    .expect(201);
    let emails = |v: Value| -> Vec<String> {
        let mut e: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["email"].as_str().unwrap().to_string())
            .collect();
        e.sort();
        e
    };
    let r = t
        .get(&format!("/api/v1/practitioners?service_id={a}"), &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(emails(r), ["cbt@registry.test", "pwp@registry.test"]);
    let r = t
        .get("/api/v1/practitioners?practitioner_role=pwp", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(emails(r), ["pwp@registry.test", "pwp_b@registry.test"]);
    let r = t
        .get("/api/v1/practitioners?q=o%27neill", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(emails(r), ["cbt@registry.test"]);
    let r = t
        .get("/api/v1/practitioners?q=PWP_", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(emails(r), ["pwp_b@registry.test"], "_ is matched literally");
    let r = t
        .get(
            &format!("/api/v1/practitioners?q=pwp&service_id={b}"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(emails(r), ["pwp_b@registry.test"]);
}

async fn ethnicity_is_the_persons_own(t: TestApp) {
    let s = t.service("West").await;
    let (id, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let path = format!("/api/v1/practitioners/{id}");
    let p = t
        .patch(&path, &token, json!({"ethnicity": "M", "languages": ["English", "Bengali"], "specialist_interests": ["older people"]}))
        .await
        .expect(200)
        .json();
    assert_eq!(p["ethnicity"], "M");
    assert_eq!(p["languages"], json!(["English", "Bengali"]));
    assert_eq!(
        t.get(&path, &token).await.expect(200).json()["ethnicity"],
        "M"
    );
    let seen_by_admin = t.get(&path, &t.admin).await.expect(200).json();
    assert!(seen_by_admin.get("ethnicity").is_none(), "{seen_by_admin}");
    assert!(seen_by_admin.get("languages").is_none(), "{seen_by_admin}");
    assert_eq!(
        seen_by_admin["specialist_interests"],
        json!(["older people"])
    );
    let listed = t
        .get("/api/v1/practitioners", &t.admin)
        .await
        .expect(200)
        .json();
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p.get("ethnicity").is_none()));
    t.patch(&path, &t.admin, json!({"ethnicity": "A"}))
        .await
        .problem(403);
    let p = t
        .patch(&path, &token, json!({"ethnicity": "white"}))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "ethnicity");
    // The audit trail keeps the change, but reading it back shows the values redacted...
    let events = t
        .get(&format!("/api/v1/audit/events?entity_id={id}"), &t.admin)
        .await
        .expect(200)
        .json();
    let text = events.to_string();
    assert!(text.contains("\"ethnicity\":\"redacted\""), "{text}");
    assert!(
        !text.contains("\"M\"") && !text.contains("Bengali"),
        "{text}"
    );
    let csv = t
        .send(
            actix_web::test::TestRequest::get()
                .uri(&format!("/api/v1/audit/events?entity_id={id}"))
                .insert_header(("Authorization", format!("Bearer {}", t.admin)))
                .insert_header(("Accept", "text/csv")),
        )
        .await
        .expect(200)
        .text();
    assert!(
        csv.starts_with("id,at,actor_id,action,entity_type,entity_id,service_id,before,after\r\n")
    );
    assert!(!csv.contains("Bengali"), "{csv}");
    // ...unless an admin asks, and that reading is itself recorded against the person.
    let lead = t
        .person(&s, "lead@registry.test", &["training_lead"])
        .await
        .1;
    t.get(
        &format!("/api/v1/audit/events?entity_id={id}&special_category=reveal"),
        &lead,
    )
    .await
    .problem(403);
    assert_eq!(
        t.count("audit_events WHERE action = 'read_special_category'"),
        0
    );
    let revealed = t
        .get(
            &format!("/api/v1/audit/events?entity_id={id}&special_category=reveal"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    assert!(revealed.to_string().contains("Bengali"));
    let reads = t
        .get(&format!("/api/v1/audit/events?entity_id={id}"), &t.admin)
        .await
        .expect(200)
        .json();
    let read = &reads["items"][0];
    assert_eq!(read["action"], "read_special_category");
    assert_eq!(read["after"]["fields"], json!(["ethnicity", "languages"]));
    assert!(!read["after"]["audit_event_ids"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(read["actor_id"].is_string());
    t.get("/api/v1/audit/events?special_category=everything", &t.admin)
        .await
        .problem(422);
    let cleared = t
        .patch(&path, &token, json!({"ethnicity": null}))
        .await
        .expect(200)
        .json();
    assert!(cleared.get("ethnicity").is_none());
}

async fn staff_fields_are_for_managers(t: TestApp) {
    let s = t.service("West").await;
    let (id, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let path = format!("/api/v1/practitioners/{id}");
    t.patch(&path, &token, json!({"wte": 0.5}))
        .await
        .problem(403);
    t.patch(
        &path,
        &token,
        json!({"roles": ["practitioner", "training_lead"]}),
    )
    .await
    .problem(403);
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let p = t
        .patch(
            &path,
            &lead,
            json!({"wte": 0.5, "stage": "trainee", "started_on": "2025-09-01"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        (
            p["wte"].clone(),
            p["stage"].clone(),
            p["started_on"].clone()
        ),
        (json!(0.5), json!("trainee"), json!("2025-09-01"))
    );
    let p = t.patch(&path, &lead, json!({"wte": 2})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "wte");
}

async fn deactivation_is_a_soft_delete(t: TestApp) {
    let s = t.service("West").await;
    let (id, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let path = format!("/api/v1/practitioners/{id}");
    t.delete(&path, &token).await.problem(403);
    let me = t.get("/api/v1/me", &t.admin).await.expect(200).json();
    t.delete(
        &format!("/api/v1/practitioners/{}", me["id"].as_str().unwrap()),
        &t.admin,
    )
    .await
    .problem(409);
    t.delete(&path, &lead).await.expect(204);
    let p = t.get(&path, &lead).await.expect(200).json();
    assert_eq!(p["active"], false);
    let inactive = t
        .get("/api/v1/practitioners?active=false", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(inactive["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        t.count(&format!("users WHERE id = '{id}'")),
        1,
        "never a hard delete"
    );
    let reactivated = t
        .patch(&path, &lead, json!({"active": true}))
        .await
        .expect(200)
        .json();
    assert_eq!(reactivated["active"], true);
    t.login("me@registry.test", PASSWORD).await;
}
