use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    case_management_compliance_moves_with_the_logs,
    part_time_and_new_starters,
    only_the_named_supervisor_signs_off,
    signed_off_logs_never_change,
    bulk_sign_off_is_all_or_nothing,
    logs_are_private_to_the_people_named,
    bad_logs_get_field_errors,
    the_policy_is_data_a_training_lead_changes,
    the_compliance_report_answers_json_and_csv,
    logs_the_policy_will_not_count_carry_warnings,
);

/// Logs the policy will never count are kept (the record is true) with warnings the supervisor
/// sees before signing off; a group's time counts once its size is given.
async fn logs_the_policy_will_not_count_carry_warnings(t: TestApp) {
    let s = t.service("Warnings").await;
    let (sup, _) = person(
        &t,
        &s,
        "sup@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    t.train_supervisor(&sup, "cfd", "BACP").await;
    t.train_supervisor(&sup, "cbt", "BABCP").await;
    let (pwp, pwp_token) = person(&t, &s, "pwp@registry.test", "pwp", 1.0, "2020-01-01", &[]).await;
    let (_, counsellor) = person(
        &t,
        &s,
        "cfd@registry.test",
        "counsellor",
        1.0,
        "2020-01-01",
        &[],
    )
    .await;
    let (_, cbt) = person(
        &t,
        &s,
        "cbt@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &[],
    )
    .await;
    let warned = |v: &Value, field: &str| {
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["field"] == field)
    };
    let cm = t
        .post(
            "/api/v1/supervision-logs",
            &counsellor,
            log(&sup, &days_ago(1), 60, "case_management", "individual"),
        )
        .await
        .expect(201)
        .json();
    assert!(warned(&cm, "supervision_type"), "{cm}");
    let mut big = log(&sup, &days_ago(1), 90, "clinical", "group");
    big["group_size"] = json!(8);
    let eight = t
        .post("/api/v1/supervision-logs", &cbt, big)
        .await
        .expect(201)
        .json();
    assert!(warned(&eight, "group_size"), "{eight}");
    let solo = t
        .post(
            "/api/v1/supervision-logs",
            &pwp_token,
            log(&sup, &days_ago(1), 60, "case_management", "group"),
        )
        .await
        .expect(201)
        .json();
    assert!(warned(&solo, "format"), "{solo}");
    let fine = t
        .post(
            "/api/v1/supervision-logs",
            &pwp_token,
            log(&sup, &days_ago(1), 60, "case_management", "individual"),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(fine["warnings"], json!([]));
    // A group without its size: kept, listed with its warning, and counted once the size is given.
    let mut sizeless = log(&sup, &days_ago(2), 60, "clinical_skills", "group");
    sizeless.as_object_mut().unwrap().remove("group_size");
    let g = t
        .post("/api/v1/supervision-logs", &pwp_token, sizeless)
        .await
        .expect(201)
        .json();
    let gid = g["id"].as_str().unwrap();
    let listed = t
        .get(
            &format!("/api/v1/supervision-logs?supervisee_id={pwp}"),
            &pwp_token,
        )
        .await
        .expect(200)
        .json();
    let row = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == gid)
        .unwrap()
        .clone();
    assert!(warned(&row, "group_size"), "{row}");
    // The queue names the people, not only their ids.
    assert_eq!(row["supervisee_name"], "Person pwp@registry.test");
    assert_eq!(row["supervisor_name"], "Person sup@registry.test");
    let before = item(&t, &pwp, &pwp_token, "clinical_skills").await;
    assert_eq!(before["achieved_minutes"], 0);
    assert!(warned(&before, "group_size"), "{before}");
    t.patch(
        &format!("/api/v1/supervision-logs/{gid}"),
        &pwp_token,
        json!({"group_size": 4}),
    )
    .await
    .expect(200);
    let after = item(&t, &pwp, &pwp_token, "clinical_skills").await;
    assert_eq!(after["achieved_minutes"], 60, "{after}");
    assert_eq!(after["warnings"], json!([]));
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn days_ago(n: i64) -> String {
    (today() - Duration::days(n)).to_string()
}

/// A person with a login; returns (id, token).
async fn person(
    t: &TestApp,
    service: &str,
    email: &str,
    role: &str,
    wte: f64,
    started_on: &str,
    roles: &[&str],
) -> (String, String) {
    let body = json!({
        "email": email, "full_name": format!("Person {email}"), "service_id": service, "practitioner_role": role,
        "stage": "qualified", "wte": wte, "roles": roles, "started_on": started_on, "password": PASSWORD,
    });
    let p = t
        .post("/api/v1/practitioners", &t.admin, body)
        .await
        .expect(201)
        .json();
    let id = p["id"].as_str().unwrap().to_string();
    // Supervisors here supervise PWPs: record the training that makes them eligible.
    if roles.contains(&"supervisor") {
        t.train_supervisor(&id, "li_cbt", "BPS").await;
    }
    (id, t.login(email, PASSWORD).await)
}

fn log(supervisor: &str, held_on: &str, minutes: i64, kind: &str, format: &str) -> Value {
    let mut body = json!({"supervisor_id": supervisor, "held_on": held_on, "duration_minutes": minutes,
                          "supervision_type": kind, "format": format, "cases_discussed": 6, "notes": "caseload review"});
    if format == "group" {
        body["group_size"] = json!(4);
    }
    body
}

async fn item(t: &TestApp, who: &str, token: &str, kind: &str) -> Value {
    let c = t
        .get(
            &format!("/api/v1/practitioners/{who}/supervision-compliance"),
            token,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(c["practitioner_id"], who);
    c["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["supervision_type"] == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} in {c}"))
}

async fn case_management_compliance_moves_with_the_logs(t: TestApp) {
    let s = t.service("Supervised").await;
    let (sup, sup_token) = person(
        &t,
        &s,
        "sup@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (pwp, token) = person(
        &t,
        &s,
        "pwp@registry.test",
        "pwp",
        1.0,
        "2025-01-06",
        &["practitioner"],
    )
    .await;

    let before = item(&t, &pwp, &token, "case_management").await;
    assert_eq!(
        (before["status"].clone(), before["achieved_minutes"].clone()),
        (json!("overdue"), json!(0))
    );
    assert_eq!(before["required_minutes"], 60);
    assert_eq!(before["window_days"], 7);
    assert!(before["last_held_on"].is_null());
    assert_eq!(before["next_due_on"], today().to_string());

    // An old session, signed off: nothing in the window, still overdue, but remembered.
    let old = t
        .post(
            "/api/v1/supervision-logs",
            &token,
            log(&sup, &days_ago(10), 60, "case_management", "individual"),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(old["status"], "submitted");
    assert_eq!(old["supervisee_id"], json!(pwp));
    t.post(
        &format!(
            "/api/v1/supervision-logs/{}/sign-off",
            old["id"].as_str().unwrap()
        ),
        &sup_token,
        json!({}),
    )
    .await
    .expect(200);
    let c = item(&t, &pwp, &token, "case_management").await;
    assert_eq!(
        (c["status"].clone(), c["achieved_minutes"].clone()),
        (json!("overdue"), json!(0))
    );
    assert_eq!(c["last_held_on"], days_ago(10));

    // Case management in a group does not count.
    t.post(
        "/api/v1/supervision-logs",
        &token,
        log(&sup, &days_ago(1), 60, "case_management", "group"),
    )
    .await
    .expect(201);
    let c = item(&t, &pwp, &token, "case_management").await;
    assert_eq!(
        (c["status"].clone(), c["achieved_minutes"].clone()),
        (json!("overdue"), json!(0))
    );

    // An individual session does, signed or not; unsigned minutes show until the sign-off.
    let ok = t
        .post(
            "/api/v1/supervision-logs",
            &token,
            log(&sup, &days_ago(1), 60, "case_management", "individual"),
        )
        .await
        .expect(201)
        .json();
    let c = item(&t, &pwp, &token, "case_management").await;
    assert_eq!(
        (
            c["status"].clone(),
            c["achieved_minutes"].clone(),
            c["unsigned_minutes"].clone()
        ),
        (json!("compliant"), json!(60), json!(60))
    );
    assert_eq!(c["next_due_on"], (today() + Duration::days(6)).to_string());
    t.post(
        &format!(
            "/api/v1/supervision-logs/{}/sign-off",
            ok["id"].as_str().unwrap()
        ),
        &sup_token,
        json!({}),
    )
    .await
    .expect(200);
    let c = item(&t, &pwp, &token, "case_management").await;
    assert_eq!(
        (c["achieved_minutes"].clone(), c["unsigned_minutes"].clone()),
        (json!(60), json!(0))
    );
    // A PWP is also held to clinical skills supervision.
    let skills = item(&t, &pwp, &token, "clinical_skills").await;
    assert_eq!(skills["window_days"], 14);
}

async fn part_time_and_new_starters(t: TestApp) {
    let s = t.service("Part time").await;
    let (half, token) = person(
        &t,
        &s,
        "half@registry.test",
        "pwp",
        0.5,
        "2024-05-01",
        &["practitioner"],
    )
    .await;
    assert_eq!(
        item(&t, &half, &token, "case_management").await["required_minutes"],
        30
    );
    let (tiny, token) = person(
        &t,
        &s,
        "tiny@registry.test",
        "pwp",
        0.3,
        "2024-05-01",
        &["practitioner"],
    )
    .await;
    assert_eq!(
        item(&t, &tiny, &token, "case_management").await["required_minutes"],
        30
    );
    let (cbt, token) = person(
        &t,
        &s,
        "cbt@registry.test",
        "cbt_therapist",
        0.8,
        "2024-05-01",
        &["practitioner"],
    )
    .await;
    let c = item(&t, &cbt, &token, "clinical").await;
    assert_eq!(
        (c["required_minutes"].clone(), c["window_days"].clone()),
        (json!(72), json!(30))
    );
    // Someone who started yesterday is due soon, never overdue.
    let (new, token) = person(
        &t,
        &s,
        "new@registry.test",
        "pwp",
        1.0,
        &days_ago(1),
        &["practitioner"],
    )
    .await;
    let c = item(&t, &new, &token, "case_management").await;
    assert_eq!(c["status"], "due_soon");
    assert_eq!(c["next_due_on"], (today() + Duration::days(6)).to_string());
}

async fn only_the_named_supervisor_signs_off(t: TestApp) {
    let s = t.service("Signing").await;
    let (sup, sup_token) = person(
        &t,
        &s,
        "sup@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (_, other_sup) = person(
        &t,
        &s,
        "sup2@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (_, stranger) = person(
        &t,
        &s,
        "stranger@registry.test",
        "pwp",
        1.0,
        "2020-01-01",
        &["practitioner"],
    )
    .await;
    let (_, token) = person(
        &t,
        &s,
        "pwp@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["practitioner"],
    )
    .await;
    let l = t
        .post(
            "/api/v1/supervision-logs",
            &token,
            log(&sup, &days_ago(2), 60, "case_management", "individual"),
        )
        .await
        .expect(201)
        .json();
    let id = l["id"].as_str().unwrap();
    let sign = format!("/api/v1/supervision-logs/{id}/sign-off");
    t.post(&sign, &token, json!({})).await.problem(403);
    t.post(&sign, &stranger, json!({})).await.problem(404);
    t.post(&sign, &other_sup, json!({})).await.problem(404);
    t.post(
        &format!("/api/v1/supervision-logs/{id}/reject"),
        &token,
        json!({"reason": "mine"}),
    )
    .await
    .problem(403);

    let p = t
        .post(
            &format!("/api/v1/supervision-logs/{id}/reject"),
            &sup_token,
            json!({"reason": ""}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "reason");
    let rejected = t
        .post(
            &format!("/api/v1/supervision-logs/{id}/reject"),
            &sup_token,
            json!({"reason": "This was a peer discussion, not supervision"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(
        rejected["rejection_reason"],
        "This was a peer discussion, not supervision"
    );
    assert!(rejected["reviewed_at"].as_str().unwrap().ends_with('Z'));
    t.post(&sign, &sup_token, json!({})).await.problem(409);
    // A rejected log never counts.
    let me = t.get("/api/v1/me", &token).await.expect(200).json();
    let c = item(&t, me["id"].as_str().unwrap(), &token, "case_management").await;
    assert_eq!(c["achieved_minutes"], 0);

    // A supervisor may record a session for a supervisee, naming themselves; nobody else may.
    let supervisee = me["id"].as_str().unwrap();
    let mut for_them = log(&sup, &days_ago(1), 60, "case_management", "individual");
    for_them["supervisee_id"] = json!(supervisee);
    let recorded = t
        .post("/api/v1/supervision-logs", &sup_token, for_them.clone())
        .await
        .expect(201)
        .json();
    assert_eq!(recorded["supervisee_id"], json!(supervisee));
    t.post("/api/v1/supervision-logs", &stranger, for_them)
        .await
        .problem(403);
}

async fn signed_off_logs_never_change(t: TestApp) {
    let s = t.service("Immutable").await;
    let (sup, sup_token) = person(
        &t,
        &s,
        "sup@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (_, token) = person(
        &t,
        &s,
        "pwp@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["practitioner"],
    )
    .await;
    let l = t
        .post(
            "/api/v1/supervision-logs",
            &token,
            log(&sup, &days_ago(2), 50, "case_management", "individual"),
        )
        .await
        .expect(201)
        .json();
    let path = format!("/api/v1/supervision-logs/{}", l["id"].as_str().unwrap());
    // While submitted the supervisee may correct it; the supervisor may not.
    let edited = t
        .patch(
            &path,
            &token,
            json!({"duration_minutes": 60, "notes": "risk review"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        (edited["duration_minutes"].clone(), edited["notes"].clone()),
        (json!(60), json!("risk review"))
    );
    t.patch(&path, &sup_token, json!({"duration_minutes": 90}))
        .await
        .problem(403);
    t.post(&format!("{path}/sign-off"), &sup_token, json!({}))
        .await
        .expect(200);
    let p = t
        .patch(&path, &token, json!({"duration_minutes": 90}))
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("new log"), "{p}");
    t.delete(&path, &token).await.problem(409);
    t.post(&format!("{path}/sign-off"), &sup_token, json!({}))
        .await
        .problem(409);
    assert_eq!(
        t.get(&path, &token).await.expect(200).json()["duration_minutes"],
        60
    );
    // A submitted log may be withdrawn; the trail keeps what it said.
    let w = t
        .post(
            "/api/v1/supervision-logs",
            &token,
            log(&sup, &days_ago(1), 30, "clinical_skills", "individual"),
        )
        .await
        .expect(201)
        .json();
    let wid = w["id"].as_str().unwrap();
    t.delete(&format!("/api/v1/supervision-logs/{wid}"), &token)
        .await
        .expect(204);
    t.get(&format!("/api/v1/supervision-logs/{wid}"), &token)
        .await
        .problem(404);
    let events = t
        .get(&format!("/api/v1/audit/events?entity_id={wid}"), &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(events["items"][0]["action"], "withdraw");
    assert_eq!(events["items"][0]["before"]["duration_minutes"], 30);
}

async fn bulk_sign_off_is_all_or_nothing(t: TestApp) {
    let s = t.service("Bulk").await;
    let (sup, sup_token) = person(
        &t,
        &s,
        "sup@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (sup2, _) = person(
        &t,
        &s,
        "sup2@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (_, token) = person(
        &t,
        &s,
        "pwp@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["practitioner"],
    )
    .await;
    let mut mine = Vec::new();
    for d in 1..=3 {
        let l = t
            .post(
                "/api/v1/supervision-logs",
                &token,
                log(&sup, &days_ago(d), 60, "case_management", "individual"),
            )
            .await
            .expect(201)
            .json();
        mine.push(l["id"].as_str().unwrap().to_string());
    }
    let theirs = t
        .post(
            "/api/v1/supervision-logs",
            &token,
            log(&sup2, &days_ago(1), 60, "clinical_skills", "individual"),
        )
        .await
        .expect(201)
        .json();
    let mut ids = mine.clone();
    ids.push(theirs["id"].as_str().unwrap().to_string());
    t.post(
        "/api/v1/supervision-logs/sign-off",
        &sup_token,
        json!({"ids": ids}),
    )
    .await
    .problem(404);
    let queue = t
        .get("/api/v1/supervision-logs?status=submitted", &sup_token)
        .await
        .expect(200)
        .json();
    assert_eq!(
        queue["items"].as_array().unwrap().len(),
        3,
        "nothing was signed off"
    );
    let done = t
        .post(
            "/api/v1/supervision-logs/sign-off",
            &sup_token,
            json!({"ids": mine}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(done["items"].as_array().unwrap().len(), 3);
    assert!(done["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["status"] == "signed_off"));
    let queue = t
        .get("/api/v1/supervision-logs?status=submitted", &sup_token)
        .await
        .expect(200)
        .json();
    assert!(queue["items"].as_array().unwrap().is_empty());
    // One audit event per log, appended together, and the chain still holds.
    assert_eq!(
        t.count("audit_events WHERE action = 'sign_off' AND entity_type = 'supervision_log'"),
        3
    );
    let verified = t
        .get("/api/v1/audit/verify", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(verified["intact"], true, "{verified}");
    t.post(
        "/api/v1/supervision-logs/sign-off",
        &sup_token,
        json!({"ids": []}),
    )
    .await
    .problem(422);
}

async fn logs_are_private_to_the_people_named(t: TestApp) {
    let s = t.service("Private").await;
    let other = t.service("Elsewhere").await;
    let (sup, sup_token) = person(
        &t,
        &s,
        "sup@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (_, sup2_token) = person(
        &t,
        &s,
        "sup2@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (pwp, token) = person(
        &t,
        &s,
        "pwp@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["practitioner"],
    )
    .await;
    let (_, stranger) = person(
        &t,
        &s,
        "stranger@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["practitioner"],
    )
    .await;
    let (_, lead) = person(
        &t,
        &s,
        "lead@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["training_lead"],
    )
    .await;
    let (_, far_lead) = person(
        &t,
        &other,
        "far@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["training_lead"],
    )
    .await;
    let l = t
        .post(
            "/api/v1/supervision-logs",
            &token,
            log(&sup, &days_ago(3), 60, "case_management", "individual"),
        )
        .await
        .expect(201)
        .json();
    let path = format!("/api/v1/supervision-logs/{}", l["id"].as_str().unwrap());

    let count = |v: Value| v["items"].as_array().unwrap().len();
    assert_eq!(
        count(
            t.get("/api/v1/supervision-logs", &token)
                .await
                .expect(200)
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            t.get("/api/v1/supervision-logs", &sup_token)
                .await
                .expect(200)
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            t.get("/api/v1/supervision-logs", &lead)
                .await
                .expect(200)
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            t.get("/api/v1/supervision-logs", &stranger)
                .await
                .expect(200)
                .json()
        ),
        0
    );
    assert_eq!(
        count(
            t.get(
                &format!("/api/v1/supervision-logs?supervisee_id={pwp}"),
                &far_lead
            )
            .await
            .expect(200)
            .json()
        ),
        0
    );
    t.get(&path, &stranger).await.problem(404);
    t.get(&path, &far_lead).await.problem(404);
    t.get(&path, &sup2_token).await.problem(404);
    t.get(&path, &lead).await.expect(200);
    // Compliance: the person, their named supervisor and their lead; nobody else.
    let compliance = format!("/api/v1/practitioners/{pwp}/supervision-compliance");
    t.get(&compliance, &sup_token).await.expect(200);
    t.get(&compliance, &lead).await.expect(200);
    t.get(&compliance, &sup2_token).await.problem(404);
    t.get(&compliance, &stranger).await.problem(404);
    t.get(&compliance, &far_lead).await.problem(404);
    // Filters on the supervisor's queue.
    let q = format!(
        "/api/v1/supervision-logs?supervisor_id={sup}&status=submitted&from={}&to={}",
        days_ago(5),
        days_ago(0)
    );
    assert_eq!(count(t.get(&q, &sup_token).await.expect(200).json()), 1);
    let q = format!(
        "/api/v1/supervision-logs?supervisor_id={sup}&from={}",
        days_ago(1)
    );
    assert_eq!(count(t.get(&q, &sup_token).await.expect(200).json()), 0);
    t.get("/api/v1/supervision-logs?status=lost", &sup_token)
        .await
        .problem(422);
}

async fn bad_logs_get_field_errors(t: TestApp) {
    let s = t.service("Checks").await;
    let (sup, _) = person(
        &t,
        &s,
        "sup@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let (not_sup, _) = person(
        &t,
        &s,
        "colleague@registry.test",
        "pwp",
        1.0,
        "2020-01-01",
        &["practitioner"],
    )
    .await;
    let (me, token) = person(
        &t,
        &s,
        "pwp@registry.test",
        "pwp",
        1.0,
        "2025-06-01",
        &["practitioner", "supervisor"],
    )
    .await;
    let tomorrow = (today() + Duration::days(1)).to_string();
    let cases: Vec<(Value, &str)> = vec![
        (
            log(&sup, &tomorrow, 60, "case_management", "individual"),
            "held_on",
        ),
        (
            log(&sup, "2024-01-01", 60, "case_management", "individual"),
            "held_on",
        ),
        (
            log(&sup, &days_ago(1), 0, "case_management", "individual"),
            "duration_minutes",
        ),
        (
            log(&sup, &days_ago(1), 481, "case_management", "individual"),
            "duration_minutes",
        ),
        (
            log(&sup, &days_ago(1), 60, "coaching", "individual"),
            "supervision_type",
        ),
        (
            log(&not_sup, &days_ago(1), 60, "case_management", "individual"),
            "supervisor_id",
        ),
        (
            log(&me, &days_ago(1), 60, "case_management", "individual"),
            "supervisor_id",
        ),
        (
            log(
                "00000000-0000-0000-0000-000000000000",
                &days_ago(1),
                60,
                "case_management",
                "individual",
            ),
            "supervisor_id",
        ),
    ];
    for (body, field) in cases {
        let p = t
            .post("/api/v1/supervision-logs", &token, body.clone())
            .await
            .problem(422);
        let fields = error_fields(&p);
        assert!(fields.contains(&field), "{body} -> {p}");
    }
    assert_eq!(t.count("supervision_logs"), 0);
    // The contract changed (issue 13): a group's size is optional. The log is kept, with a
    // warning that its time counts once the size is given.
    let mut group = log(&sup, &days_ago(1), 60, "clinical_skills", "group");
    group.as_object_mut().unwrap().remove("group_size");
    let kept = t
        .post("/api/v1/supervision-logs", &token, group)
        .await
        .expect(201)
        .json();
    assert_eq!(kept["warnings"][0]["field"], "group_size", "{kept}");
}

async fn the_policy_is_data_a_training_lead_changes(t: TestApp) {
    let s = t.service("Policy").await;
    let (_, token) = person(
        &t,
        &s,
        "pwp@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["practitioner"],
    )
    .await;
    let (_, lead) = person(
        &t,
        &s,
        "lead@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["training_lead"],
    )
    .await;
    let policy = t
        .get("/api/v1/supervision-policy", &token)
        .await
        .expect(200)
        .json();
    let rules = policy["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 8);
    let sos = rules
        .iter()
        .find(|r| r["practitioner_role"] == "supervisor")
        .unwrap();
    assert_eq!(
        (
            sos["supervision_type"].clone(),
            sos["min_minutes"].clone(),
            sos["window_days"].clone()
        ),
        (json!("supervision_of_supervision"), json!(60), json!(30))
    );
    let cm = rules
        .iter()
        .find(|r| r["practitioner_role"] == "pwp" && r["supervision_type"] == "case_management")
        .unwrap();
    assert_eq!(
        (
            cm["min_minutes"].clone(),
            cm["window_days"].clone(),
            cm["formats"].clone()
        ),
        (json!(60), json!(7), json!(["individual"]))
    );
    let cbt = rules
        .iter()
        .find(|r| r["practitioner_role"] == "cbt_therapist")
        .unwrap();
    assert_eq!(
        (cbt["min_minutes"].clone(), cbt["max_group_size"].clone()),
        (json!(90), json!(6))
    );
    assert!(rules
        .iter()
        .all(|r| !r["source"].as_str().unwrap().is_empty()));

    t.call(
        actix_web::http::Method::PUT,
        "/api/v1/supervision-policy",
        Some(&token),
        Some(policy.clone()),
    )
    .await
    .problem(403);
    let mut bad = policy.clone();
    bad["rules"][0]["practitioner_role"] = json!("astronaut");
    bad["rules"][1]["min_minutes"] = json!(0);
    let p = t
        .call(
            actix_web::http::Method::PUT,
            "/api/v1/supervision-policy",
            Some(&lead),
            Some(bad),
        )
        .await
        .problem(422);
    let fields = error_fields(&p);
    assert!(
        fields.contains(&"rules[0].practitioner_role") && fields.contains(&"rules[1].min_minutes"),
        "{p}"
    );
    let mut dup = policy.clone();
    let first = dup["rules"][0].clone();
    dup["rules"].as_array_mut().unwrap().push(first);
    t.call(
        actix_web::http::Method::PUT,
        "/api/v1/supervision-policy",
        Some(&lead),
        Some(dup),
    )
    .await
    .problem(422);

    let mut changed = policy.clone();
    for r in changed["rules"].as_array_mut().unwrap() {
        if r["practitioner_role"] == "pwp" && r["supervision_type"] == "case_management" {
            r["min_minutes"] = json!(90);
            r["source"] = json!("Local decision, team meeting");
        }
    }
    let saved = t
        .call(
            actix_web::http::Method::PUT,
            "/api/v1/supervision-policy",
            Some(&lead),
            Some(changed),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(saved["rules"].as_array().unwrap().len(), 8);
    let me = t.get("/api/v1/me", &token).await.expect(200).json();
    assert_eq!(
        item(&t, me["id"].as_str().unwrap(), &token, "case_management").await["required_minutes"],
        90
    );
    let events = t
        .get(
            "/api/v1/audit/events?entity_type=supervision_policy",
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(events["items"][0]["action"], "replace");
    assert_eq!(
        t.count("supervision_policy_rules WHERE service_id IS NULL"),
        8,
        "nothing half-written by the refused attempts"
    );
}

async fn the_compliance_report_answers_json_and_csv(t: TestApp) {
    let s = t.service("Reported").await;
    let other = t.service("Other").await;
    let (sup, _) = person(
        &t,
        &s,
        "sup@registry.test",
        "cbt_therapist",
        1.0,
        "2020-01-01",
        &["supervisor"],
    )
    .await;
    let body = json!({"email": "formula@registry.test", "full_name": "=HYPERLINK(\"http://x\")", "service_id": s,
                      "practitioner_role": "pwp", "stage": "trainee", "wte": 1.0, "started_on": "2024-01-01", "password": PASSWORD});
    t.post("/api/v1/practitioners", &t.admin, body)
        .await
        .expect(201);
    let (_, token) = person(
        &t,
        &s,
        "good@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["practitioner"],
    )
    .await;
    t.post(
        "/api/v1/supervision-logs",
        &token,
        log(&sup, &days_ago(1), 60, "case_management", "individual"),
    )
    .await
    .expect(201);
    person(
        &t,
        &other,
        "elsewhere@registry.test",
        "pwp",
        1.0,
        "2024-01-01",
        &["practitioner"],
    )
    .await;
    let (_, lead) = person(
        &t,
        &s,
        "lead@registry.test",
        "counsellor",
        1.0,
        "2024-01-01",
        &["training_lead"],
    )
    .await;

    let report = t
        .get("/api/v1/reports/supervision-compliance?limit=500", &lead)
        .await
        .expect(200)
        .json();
    let rows = report["items"].as_array().unwrap();
    // sup (clinical, and supervision of supervision as a supervisor) + formula (2) + good (2) + lead (1): the other service is not shown.
    assert_eq!(rows.len(), 7, "{report}");
    assert!(rows.iter().all(|r| r["service_id"] == json!(s)));
    let good_cm = rows
        .iter()
        .find(|r| {
            r["full_name"] == "Person good@registry.test"
                && r["supervision_type"] == "case_management"
        })
        .unwrap();
    assert_eq!(good_cm["status"], "compliant");
    let overdue = t
        .get(
            "/api/v1/reports/supervision-compliance?status=overdue&limit=500",
            &lead,
        )
        .await
        .expect(200)
        .json();
    assert!(overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "overdue"));
    assert_eq!(overdue["items"].as_array().unwrap().len(), 6);
    let paged = t
        .get("/api/v1/reports/supervision-compliance?limit=2", &lead)
        .await
        .expect(200)
        .json();
    assert!(paged["next_cursor"].is_string());

    let req = actix_web::test::TestRequest::get()
        .uri("/api/v1/reports/supervision-compliance")
        .insert_header(("Authorization", format!("Bearer {lead}")))
        .insert_header(("Accept", "text/csv"));
    let res = t.send(req).await.expect(200);
    assert!(res.header("content-type").unwrap().starts_with("text/csv"));
    let csv = res.text();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].starts_with("practitioner_id,full_name,service_id,service_name,practitioner_role")
    );
    assert_eq!(lines.len(), 8, "{csv}");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
    t.get("/api/v1/reports/supervision-compliance", &token)
        .await
        .problem(403);
    t.get("/api/v1/reports/supervision-compliance?status=fine", &lead)
        .await
        .problem(422);
}
