//! What the bodies ask all year (issue 16): live assessments, annual declarations and leave,
//! bodies' audits, group time as each rule counts it, and the reminder thresholds.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    live_assessments_make_a_pwp_compliant_on_two_different_interventions,
    live_assessments_are_a_supervisors_to_record_and_refuse_bad_input,
    an_annual_declaration_credential_lapses_and_comes_back,
    a_leave_moves_the_declaration_and_pauses_overdue,
    a_body_audit_gets_its_deadline_and_reaches_the_leads_list,
    group_time_counts_as_the_policy_row_says,
    reminder_thresholds_are_data_an_admin_sets,
    an_accredited_supervisors_own_requirements_come_from_the_logs,
    the_audits_page_shows_a_leads_open_audits_and_moves_them_on,
    a_supervisor_records_a_live_assessment_on_the_web,
    overdue_live_assessments_reach_the_person_their_supervisor_and_lead,
);

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn days_ago(n: i64) -> String {
    (today() - Duration::days(n)).to_string()
}

fn days_ahead(n: i64) -> String {
    (today() + Duration::days(n)).to_string()
}

async fn someone(
    t: &TestApp,
    service: &str,
    email: &str,
    role: &str,
    started_on: &str,
    roles: &[&str],
) -> (String, String) {
    let body = json!({
        "email": email, "full_name": format!("Person {email}"), "service_id": service, "practitioner_role": role,
        "stage": "qualified", "wte": 1.0, "roles": roles, "started_on": started_on, "password": PASSWORD,
    });
    let p = t
        .post("/api/v1/practitioners", &t.admin, body)
        .await
        .expect(201)
        .json();
    let id = p["id"].as_str().unwrap().to_string();
    (id, t.login(email, PASSWORD).await)
}

async fn live(t: &TestApp, person: &str, token: &str) -> Value {
    t.get(
        &format!("/api/v1/practitioners/{person}/supervision-compliance"),
        token,
    )
    .await
    .expect(200)
    .json()["live_assessment"]
        .clone()
}

fn assessment(on: &str, what: &str) -> Value {
    json!({"assessed_on": on, "intervention": what, "outcome": "meets_standard", "notes": "Rated on the mark sheet"})
}

async fn live_assessments_make_a_pwp_compliant_on_two_different_interventions(t: TestApp) {
    let west = t.service("West").await;
    let (_, sup) = someone(
        &t,
        &west,
        "sup@registry.test",
        "pwp",
        "2019-01-01",
        &["supervisor"],
    )
    .await;
    let (pwp, pwp_token) = someone(
        &t,
        &west,
        "pwp@registry.test",
        "pwp",
        "2020-01-01",
        &["practitioner"],
    )
    .await;
    let path = format!("/api/v1/practitioners/{pwp}/live-assessments");

    // A rule added today gives everyone a year: nobody is overdue for what was never recorded.
    let fresh = live(&t, &pwp, &pwp_token).await;
    assert_eq!(
        (fresh["status"].clone(), fresh["next_due_on"].clone()),
        (json!("due_soon"), json!(days_ahead(365))),
        "{fresh}"
    );
    t.sql("UPDATE live_assessment_rules SET created_at = '2020-01-01 00:00:00'");
    let none = live(&t, &pwp, &pwp_token).await;
    assert_eq!(
        (
            none["required"].clone(),
            none["achieved"].clone(),
            none["window_days"].clone(),
            none["status"].clone()
        ),
        (json!(2), json!(0), json!(365), json!("overdue")),
        "{none}"
    );
    let first = t
        .post(&path, &sup, assessment(&days_ago(40), "exposure"))
        .await
        .expect(201)
        .json();
    assert_eq!(
        first["tool"],
        "PWP intervention skills assessment mark sheet"
    );
    assert_eq!(first["outcome"], "meets_standard");
    let one = live(&t, &pwp, &pwp_token).await;
    assert_eq!(
        (one["achieved"].clone(), one["status"].clone()),
        (json!(1), json!("overdue"))
    );
    assert_eq!(one["last_assessed_on"], json!(days_ago(40)));

    // A second on the same intervention is not enough; a third on another is.
    t.post(&path, &sup, assessment(&days_ago(20), "exposure"))
        .await
        .expect(201);
    let same = live(&t, &pwp, &pwp_token).await;
    assert_eq!(
        (
            same["achieved"].clone(),
            same["distinct_interventions"].clone(),
            same["status"].clone()
        ),
        (json!(2), json!(1), json!("overdue"))
    );
    t.post(&path, &sup, assessment(&days_ago(10), "sleep_management"))
        .await
        .expect(201);
    let done = live(&t, &pwp, &pwp_token).await;
    assert_eq!(
        (
            done["achieved"].clone(),
            done["distinct_interventions"].clone(),
            done["status"].clone()
        ),
        (json!(3), json!(2), json!("compliant"))
    );
    // Met until the oldest exposure leaves the window: 365 days after the one of 20 days ago.
    assert_eq!(done["next_due_on"], json!(days_ahead(345)));

    // A new starter with one is due when their first year ends, not overdue.
    let (new, new_token) = someone(
        &t,
        &west,
        "new@registry.test",
        "pwp",
        &days_ago(30),
        &["practitioner"],
    )
    .await;
    t.post(
        &format!("/api/v1/practitioners/{new}/live-assessments"),
        &sup,
        assessment(&days_ago(5), "exposure"),
    )
    .await
    .expect(201);
    let starter = live(&t, &new, &new_token).await;
    assert_eq!(
        (starter["status"].clone(), starter["next_due_on"].clone()),
        (json!("due_soon"), json!(days_ahead(335)))
    );

    // No rule covers a CBT therapist.
    let (cbt, cbt_token) = someone(
        &t,
        &west,
        "cbt@registry.test",
        "cbt_therapist",
        "2020-01-01",
        &["practitioner"],
    )
    .await;
    assert_eq!(live(&t, &cbt, &cbt_token).await, Value::Null);

    // The person and the lead read the list; the rule is data.
    let (_, lead) = someone(
        &t,
        &west,
        "lead@registry.test",
        "pwp",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    assert_eq!(
        t.get(&path, &pwp_token).await.expect(200).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        t.get(&path, &lead).await.expect(200).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let rules = t
        .get("/api/v1/live-assessment-rules", &lead)
        .await
        .expect(200)
        .json();
    let bps = rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["body"] == "BPS")
        .unwrap()
        .clone();
    assert!(bps["source"]
        .as_str()
        .unwrap()
        .contains("2 live assessments"));
    let rule_path = format!(
        "/api/v1/live-assessment-rules/{}",
        bps["id"].as_str().unwrap()
    );
    t.patch(&rule_path, &lead, json!({"min_assessments": 4}))
        .await
        .problem(403);
    t.patch(&rule_path, &t.admin, json!({"min_interventions": 9}))
        .await
        .problem(422);
}

async fn live_assessments_are_a_supervisors_to_record_and_refuse_bad_input(t: TestApp) {
    let west = t.service("West").await;
    let east = t.service("East").await;
    let (_, sup) = someone(
        &t,
        &west,
        "sup@registry.test",
        "pwp",
        "2019-01-01",
        &["supervisor"],
    )
    .await;
    let (_, east_sup) = someone(
        &t,
        &east,
        "east@registry.test",
        "pwp",
        "2019-01-01",
        &["supervisor"],
    )
    .await;
    let (_, lead) = someone(
        &t,
        &west,
        "lead@registry.test",
        "pwp",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (pwp, pwp_token) = someone(
        &t,
        &west,
        "pwp@registry.test",
        "pwp",
        "2020-01-01",
        &["practitioner", "supervisor"],
    )
    .await;
    let path = format!("/api/v1/practitioners/{pwp}/live-assessments");
    let ok = assessment(&days_ago(3), "exposure");

    t.post(&path, &pwp_token, ok.clone()).await.problem(403);
    t.post(&path, &lead, ok.clone()).await.problem(403);
    t.post(&path, &east_sup, ok.clone()).await.problem(404);
    t.get(&path, &east_sup).await.problem(404);

    let p = t
        .post(
            &path,
            &sup,
            json!({"assessed_on": days_ahead(3), "intervention": "juggling"}),
        )
        .await
        .problem(422);
    let fields = error_fields(&p);
    assert!(
        fields.contains(&"assessed_on")
            && fields.contains(&"outcome")
            && fields.contains(&"intervention"),
        "{p}"
    );
    let p = t
        .post(&path, &sup, json!({"assessed_on": days_ago(1), "intervention": "exposure", "outcome": "not_yet", "not_possible_reason": "No patient consented"}))
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["not_possible_reason"]);
    let p = t
        .post(
            &path,
            &sup,
            json!({"assessed_on": days_ago(1), "intervention": "exposure", "outcome": "excellent"}),
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["outcome"]);

    // Why none was possible is kept, and counts for nothing.
    let none = t
        .post(&path, &sup, json!({"assessed_on": days_ago(1), "not_possible_reason": "No patient consented to observation this month"}))
        .await
        .expect(201)
        .json();
    assert_eq!(none["outcome"], Value::Null);
    assert_eq!(live(&t, &pwp, &pwp_token).await["achieved"], 0);

    // The list of interventions is data: an admin adds one, and it can be used.
    let list = t
        .get("/api/v1/live-assessment-interventions", &pwp_token)
        .await
        .expect(200)
        .json();
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"behavioural_activation") && codes.contains(&"worry_management"),
        "{list}"
    );
    let new = json!({"code": "long_term_conditions", "name": "Low-intensity work with long-term conditions"});
    t.post("/api/v1/live-assessment-interventions", &lead, new.clone())
        .await
        .problem(403);
    t.post(
        "/api/v1/live-assessment-interventions",
        &t.admin,
        new.clone(),
    )
    .await
    .expect(201);
    t.post("/api/v1/live-assessment-interventions", &t.admin, new)
        .await
        .problem(409);
    t.post(
        &path,
        &sup,
        assessment(&days_ago(2), "long_term_conditions"),
    )
    .await
    .expect(201);
    assert!(t.count("audit_events WHERE entity_type = 'live_assessment'") >= 2);
}

/// A credential of a kind that renews by declaration, verified by the lead.
async fn declared(
    t: &TestApp,
    person: &str,
    token: &str,
    lead: &str,
    kind: &str,
    valid_from: &str,
    number: &str,
) -> String {
    let body = json!({"body": "BABCP", "kind": kind, "membership_number": number,
                      "valid_from": valid_from, "expires_on": days_ahead(2000)});
    let id = t
        .post(
            &format!("/api/v1/practitioners/{person}/accreditations"),
            token,
            body,
        )
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    t.patch(&format!("/api/v1/accreditations/{id}"), lead,
            json!({"verified": true, "verification_method": "register_lookup", "verification_reference": "BABCP register"}))
        .await
        .expect(200);
    id
}

async fn credential(t: &TestApp, person: &str, token: &str, id: &str) -> Value {
    t.get(
        &format!("/api/v1/practitioners/{person}/accreditations"),
        token,
    )
    .await
    .expect(200)
    .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .cloned()
        .unwrap()
}

fn anniversary(valid_from: NaiveDate, years: u32) -> String {
    valid_from
        .checked_add_months(chrono::Months::new(12 * years))
        .unwrap()
        .to_string()
}

async fn an_annual_declaration_credential_lapses_and_comes_back(t: TestApp) {
    let west = t.service("West").await;
    let (_, lead) = someone(
        &t,
        &west,
        "lead@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (cbt, token) = someone(
        &t,
        &west,
        "cbt@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    // Accredited 400 days ago: the first declaration was due about 35 days ago, and 28 days of
    // grace have passed.
    let from = today() - Duration::days(400);
    let id = declared(
        &t,
        &cbt,
        &token,
        &lead,
        "accredited_practitioner",
        &from.to_string(),
        "B-1",
    )
    .await;
    let c = credential(&t, &cbt, &token, &id).await;
    assert_eq!(c["status"], "lapsed", "{c}");
    assert_eq!(
        c["renewal"]["next_declaration_on"],
        json!(anniversary(from, 1))
    );
    let grace_end =
        (anniversary(from, 1).parse::<NaiveDate>().unwrap() + Duration::days(28)).to_string();
    assert_eq!(c["renewal"]["grace_ends_on"], json!(grace_end));

    let path = format!("/api/v1/accreditations/{id}/declarations");
    let p = t
        .post(&path, &token, json!({"declared_on": days_ahead(1)}))
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["declared_on"]);
    let p = t
        .post(
            &path,
            &token,
            json!({"declared_on": days_ago(1), "verification_method": "register_lookup"}),
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["verification_method"]);
    let d = t
        .post(&path, &token, json!({"declared_on": today().to_string()}))
        .await
        .expect(201)
        .json();
    assert_eq!(d["verified_at"], Value::Null);
    // Checked like a credential: by the lead, never by the practitioner, once.
    let check = json!({"verified": true, "verification_method": "register_lookup", "verification_reference": "BABCP online"});
    let one = format!("/api/v1/declarations/{}", d["id"].as_str().unwrap());
    t.patch(&one, &token, check.clone()).await.problem(403);
    let done = t.patch(&one, &lead, check.clone()).await.expect(200).json();
    assert!(
        done["verified_at"].is_string() && done["verified_by"].is_string(),
        "{done}"
    );
    t.patch(&one, &lead, check).await.problem(409);
    let c = credential(&t, &cbt, &token, &id).await;
    assert_eq!(c["status"], "active", "{c}");
    assert_eq!(
        c["renewal"]["next_declaration_on"],
        json!(anniversary(from, 2))
    );
    assert_eq!(c["renewal"]["last_declared_on"], json!(today().to_string()));
    let checked = t
        .post(&path, &lead, json!({"declared_on": today().to_string(), "verification_method": "register_lookup", "verification_reference": "online"}))
        .await
        .expect(201)
        .json();
    assert!(checked["verified_at"].is_string());
    assert_eq!(
        t.get(&path, &token).await.expect(200).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(t.count("audit_events WHERE entity_type = 'accreditation_declaration'") >= 2);

    // The supervisor accreditation follows the practitioner accreditation's date, and says so.
    let sup_id = declared(
        &t,
        &cbt,
        &token,
        &lead,
        "accredited_supervisor",
        &days_ago(100),
        "B-1",
    )
    .await;
    let s = credential(&t, &cbt, &token, &sup_id).await;
    assert_eq!(s["renewal"]["aligned_with"], json!(id));
    assert_eq!(
        s["renewal"]["next_declaration_on"],
        json!(anniversary(from, 2))
    );
    assert!(
        s["renewal"]["note"]
            .as_str()
            .unwrap()
            .contains("same declaration date"),
        "{s}"
    );

    // The report filters by the worked-out status.
    let lapsed = t
        .get("/api/v1/reports/accreditation?status=lapsed", &lead)
        .await
        .expect(200)
        .json();
    assert!(lapsed["items"].as_array().unwrap().is_empty(), "{lapsed}");

    // A credential with a fixed expiry takes no declaration.
    let fixed = t
        .post(&format!("/api/v1/practitioners/{cbt}/accreditations"), &token,
              json!({"body": "BACP", "kind": "registered_member", "membership_number": "C-1", "valid_from": days_ago(10), "expires_on": days_ahead(355)}))
        .await
        .expect(201)
        .json();
    t.post(
        &format!(
            "/api/v1/accreditations/{}/declarations",
            fixed["id"].as_str().unwrap()
        ),
        &token,
        json!({"declared_on": days_ago(1)}),
    )
    .await
    .problem(409);
    assert_eq!(fixed["renewal"], Value::Null);
}

async fn a_leave_moves_the_declaration_and_pauses_overdue(t: TestApp) {
    let west = t.service("West").await;
    let east = t.service("East").await;
    let (_, lead) = someone(
        &t,
        &west,
        "lead@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (_, east_lead) = someone(
        &t,
        &east,
        "elead@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (cbt, token) = someone(
        &t,
        &west,
        "cbt@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    let from = today() - Duration::days(300);
    let id = declared(
        &t,
        &cbt,
        &token,
        &lead,
        "accredited_practitioner",
        &from.to_string(),
        "B-2",
    )
    .await;
    let due = anniversary(from, 1).parse::<NaiveDate>().unwrap();
    let path = format!("/api/v1/accreditations/{id}/leave");

    // Bad leaves: one that ends before it starts; then one overlapping another.
    let p = t
        .post(
            &path,
            &token,
            json!({"from": days_ago(1), "to": days_ago(5), "reason": "Sick leave"}),
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["to"]);
    t.post(
        &path,
        &east_lead,
        json!({"from": days_ago(10), "to": days_ahead(9), "reason": "Sick leave"}),
    )
    .await
    .problem(404);
    let leave = t
        .post(
            &path,
            &token,
            json!({"from": days_ago(10), "to": days_ahead(9), "reason": "Sick leave"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(
        (leave["from"].clone(), leave["to"].clone()),
        (json!(days_ago(10)), json!(days_ahead(9)))
    );
    let p = t
        .post(
            &path,
            &lead,
            json!({"from": days_ahead(9), "to": days_ahead(20), "reason": "Overlap"}),
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["from"]);

    // Twenty days of leave move the date by twenty days.
    let c = credential(&t, &cbt, &token, &id).await;
    assert_eq!(
        c["renewal"]["next_declaration_on"],
        json!((due + Duration::days(20)).to_string()),
        "{c}"
    );
    assert_eq!(c["renewal"]["moved_by_leave_days"], 20);
    assert_eq!(c["renewal"]["on_leave"], true);

    // With no supervision logged, the overdue type shows on leave.
    let comp = t
        .get(
            &format!("/api/v1/practitioners/{cbt}/supervision-compliance"),
            &token,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(comp["on_leave"], true);
    let clinical = comp["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["supervision_type"] == "clinical")
        .unwrap();
    assert_eq!(clinical["status"], "on_leave", "{comp}");
    assert_eq!(
        t.get(&path, &lead).await.expect(200).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn a_body_audit_gets_its_deadline_and_reaches_the_leads_list(t: TestApp) {
    let west = t.service("West").await;
    let east = t.service("East").await;
    let (_, lead) = someone(
        &t,
        &west,
        "lead@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (_, east_lead) = someone(
        &t,
        &east,
        "elead@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (cbt, token) = someone(
        &t,
        &west,
        "cbt@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    declared(
        &t,
        &cbt,
        &token,
        &lead,
        "accredited_practitioner",
        &days_ago(100),
        "B-3",
    )
    .await;
    let path = format!("/api/v1/practitioners/{cbt}/body-audits");

    let p = t
        .post(
            &path,
            &token,
            json!({"body": "BACP", "requested_on": days_ago(5)}),
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["body"]);
    let p = t
        .post(
            &path,
            &token,
            json!({"body": "BABCP", "requested_on": days_ahead(5)}),
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["requested_on"]);
    t.post(
        &path,
        &east_lead,
        json!({"body": "BABCP", "requested_on": days_ago(5)}),
    )
    .await
    .problem(404);

    let a = t
        .post(
            &path,
            &token,
            json!({"body": "BABCP", "requested_on": days_ago(5)}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(a["due_on"], json!(days_ahead(65)), "{a}");
    assert_eq!(
        (a["days_left"].clone(), a["status"].clone()),
        (json!(65), json!("open"))
    );
    let missing: Vec<&str> = a["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert!(missing.contains(&"supervision_gap"), "{a}");
    assert!(a["evidence_pack"].as_str().unwrap().contains("body=BABCP"));
    t.post(
        &path,
        &token,
        json!({"body": "BABCP", "requested_on": days_ago(1)}),
    )
    .await
    .problem(409);

    let list = t
        .get("/api/v1/body-audits?status=open", &lead)
        .await
        .expect(200)
        .json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0]["days_left"].clone(), items[0]["full_name"].clone()),
        (json!(65), json!("Person cbt@registry.test"))
    );
    assert!(t
        .get("/api/v1/body-audits", &east_lead)
        .await
        .expect(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .is_empty());
    t.get("/api/v1/body-audits", &token).await.problem(403);

    let one = format!("/api/v1/body-audits/{}", a["id"].as_str().unwrap());
    let p = t
        .patch(
            &one,
            &token,
            json!({"status": "submitted", "submitted_on": days_ahead(1)}),
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["submitted_on"]);
    let sent = t
        .patch(&one, &token, json!({"status": "submitted"}))
        .await
        .expect(200)
        .json();
    assert_eq!(
        (sent["status"].clone(), sent["submitted_on"].clone()),
        (json!("submitted"), json!(today().to_string()))
    );
    t.patch(&one, &lead, json!({"status": "open"}))
        .await
        .problem(409);
    t.patch(&one, &lead, json!({"status": "closed"}))
        .await
        .expect(200);
    t.patch(&one, &lead, json!({"status": "submitted"}))
        .await
        .problem(409);
    t.patch(&one, &east_lead, json!({"status": "closed"}))
        .await
        .problem(404);
    assert!(t
        .get("/api/v1/body-audits?status=open", &lead)
        .await
        .expect(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // The windows are data an admin sets.
    let rules = t
        .get("/api/v1/body-audit-rules", &token)
        .await
        .expect(200)
        .json();
    let bacp = rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["body"] == "BACP")
        .unwrap()
        .clone();
    assert_eq!(bacp["response_days"], 42);
    let rule = json!({"response_days": 56, "period_months": 12, "reminder_offsets": [14, 7], "source": "BPS audit: local choice"});
    t.call(
        actix_web::http::Method::PUT,
        "/api/v1/body-audit-rules/BPS",
        Some(&lead),
        Some(rule.clone()),
    )
    .await
    .problem(403);
    t.call(
        actix_web::http::Method::PUT,
        "/api/v1/body-audit-rules/BPS",
        Some(&t.admin),
        Some(rule),
    )
    .await
    .expect(200);
}

async fn group_time_counts_as_the_policy_row_says(t: TestApp) {
    let west = t.service("West").await;
    let (sup_id, _) = someone(
        &t,
        &west,
        "sup@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["supervisor"],
    )
    .await;
    t.train_supervisor(&sup_id, "cbt", "BABCP").await;
    let (cbt, token) = someone(
        &t,
        &west,
        "cbt@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    let mut policy = t
        .get("/api/v1/supervision-policy", &t.admin)
        .await
        .expect(200)
        .json();
    for r in policy["rules"].as_array_mut().unwrap() {
        if r["practitioner_role"] == "cbt_therapist" {
            r["group_counting"] = json!("bacp_accreditation");
            r["max_group_size"] = Value::Null;
        }
    }
    let bad = {
        let mut b = policy.clone();
        b["rules"][0]["group_counting"] = json!("generously");
        b
    };
    let p = t
        .call(
            actix_web::http::Method::PUT,
            "/api/v1/supervision-policy",
            Some(&t.admin),
            Some(bad),
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&p), ["rules[0].group_counting"]);
    t.call(
        actix_web::http::Method::PUT,
        "/api/v1/supervision-policy",
        Some(&t.admin),
        Some(policy),
    )
    .await
    .expect(200);
    for (size, minutes) in [(4, 90), (6, 60)] {
        t.post("/api/v1/supervision-logs", &token,
               json!({"supervisor_id": sup_id, "held_on": days_ago(3), "duration_minutes": minutes,
                      "supervision_type": "clinical", "format": "group", "group_size": size, "cases_discussed": 2}))
            .await
            .expect(201);
    }
    let comp = t
        .get(
            &format!("/api/v1/practitioners/{cbt}/supervision-compliance"),
            &token,
        )
        .await
        .expect(200)
        .json();
    let clinical = comp["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["supervision_type"] == "clinical")
        .unwrap()
        .clone();
    // Half of 90 in a group of 4; 60 / 6 in a group of 6.
    assert_eq!(
        (
            clinical["held_minutes"].clone(),
            clinical["achieved_minutes"].clone(),
            clinical["group_counting"].clone()
        ),
        (json!(150), json!(55), json!("bacp_accreditation")),
        "{clinical}"
    );
}

async fn reminder_thresholds_are_data_an_admin_sets(t: TestApp) {
    let west = t.service("West").await;
    let (_, lead) = someone(
        &t,
        &west,
        "lead@registry.test",
        "pwp",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let all = t
        .get("/api/v1/reminder-thresholds", &lead)
        .await
        .expect(200)
        .json();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    assert!(items
        .iter()
        .all(|i| !i["source"].as_str().unwrap().is_empty()));
    let path = "/api/v1/reminder-thresholds/escalate_after_days";
    let put = |token: String, body: Value| {
        let t = &t;
        async move {
            t.call(actix_web::http::Method::PUT, path, Some(&token), Some(body))
                .await
        }
    };
    put(lead.clone(), json!({"days": 14, "source": "local choice"}))
        .await
        .problem(403);
    let p = put(t.admin.clone(), json!({"days": 0, "source": ""}))
        .await
        .problem(422);
    let fields = error_fields(&p);
    assert!(
        fields.contains(&"days") && fields.contains(&"source"),
        "{p}"
    );
    let row = put(
        t.admin.clone(),
        json!({"days": 14, "source": "local choice: two weeks"}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(row["days"], 14);
    t.call(
        actix_web::http::Method::PUT,
        "/api/v1/reminder-thresholds/never",
        Some(&t.admin),
        Some(json!({"days": 1, "source": "x"})),
    )
    .await
    .problem(404);
    assert_eq!(
        t.count("audit_events WHERE entity_type = 'reminder_threshold'"),
        1
    );
    // The scan still runs with the new figure.
    t.post("/api/v1/admin/reminders/run", &t.admin, json!({}))
        .await
        .expect(200);
}

async fn an_accredited_supervisors_own_requirements_come_from_the_logs(t: TestApp) {
    let west = t.service("West").await;
    let (_, lead) = someone(
        &t,
        &west,
        "lead@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (sup, sup_token) = someone(
        &t,
        &west,
        "sup@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["practitioner", "supervisor"],
    )
    .await;
    t.train_supervisor(&sup, "cbt", "BABCP").await;
    let (senior, _) = someone(
        &t,
        &west,
        "senior@registry.test",
        "cbt_therapist",
        "2015-01-01",
        &["supervisor"],
    )
    .await;
    t.train_supervisor(&senior, "cbt", "BABCP").await;
    let (_, cbt_token) = someone(
        &t,
        &west,
        "cbt@registry.test",
        "cbt_therapist",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    declared(
        &t,
        &sup,
        &sup_token,
        &lead,
        "accredited_supervisor",
        &days_ago(100),
        "S-1",
    )
    .await;
    for (n, on) in [(400, 30), (400, 60), (400, 90)] {
        t.post("/api/v1/supervision-logs", &cbt_token,
               json!({"supervisor_id": sup, "held_on": days_ago(on), "duration_minutes": n,
                      "supervision_type": "clinical", "format": "individual", "cases_discussed": 3}))
            .await
            .expect(201);
    }
    let r = own(&t, &sup, &sup_token).await;
    assert_eq!(
        (
            r["given_minutes"].clone(),
            r["given_met"].clone(),
            r["sos_required_minutes"].clone(),
            r["sos_met"].clone(),
            r["met"].clone()
        ),
        (
            json!(1200),
            json!(true),
            json!(60),
            json!(false),
            json!(false)
        ),
        "{r}"
    );
    t.post("/api/v1/supervision-logs", &sup_token,
           json!({"supervisor_id": senior, "held_on": days_ago(5), "duration_minutes": 60,
                  "supervision_type": "supervision_of_supervision", "format": "individual", "cases_discussed": 1}))
        .await
        .expect(201);
    let r = own(&t, &sup, &sup_token).await;
    assert_eq!(
        (r["sos_minutes"].clone(), r["met"].clone()),
        (json!(60), json!(true)),
        "{r}"
    );
    // The eligibility matrix shows it too; a supervisor without the credential owes nothing.
    let m = t
        .get(&format!("/api/v1/supervisors?service_id={west}"), &lead)
        .await
        .expect(200)
        .json();
    let rows = m["items"].as_array().unwrap();
    let mine = rows
        .iter()
        .find(|r| r["supervisor_id"] == json!(sup))
        .unwrap();
    assert_eq!(mine["requirements"][0]["given_minutes"], 1200, "{mine}");
    let theirs = rows
        .iter()
        .find(|r| r["supervisor_id"] == json!(senior))
        .unwrap();
    assert_eq!(theirs["requirements"], json!([]));
    // The rule is data an admin changes.
    let rules = t
        .get("/api/v1/supervisor-requirements", &lead)
        .await
        .expect(200)
        .json();
    let id = rules["items"][0]["id"].as_str().unwrap().to_string();
    t.patch(
        &format!("/api/v1/supervisor-requirements/{id}"),
        &lead,
        json!({"min_given_minutes": 600}),
    )
    .await
    .problem(403);
    t.patch(
        &format!("/api/v1/supervisor-requirements/{id}"),
        &t.admin,
        json!({"min_given_minutes": 1300}),
    )
    .await
    .expect(200);
    assert_eq!(own(&t, &sup, &sup_token).await["given_met"], false);
}

async fn own(t: &TestApp, sup: &str, token: &str) -> Value {
    t.get(
        &format!("/api/v1/practitioners/{sup}/supervision-compliance"),
        token,
    )
    .await
    .expect(200)
    .json()["supervisor_requirements"][0]
        .clone()
}

async fn the_audits_page_shows_a_leads_open_audits_and_moves_them_on(t: TestApp) {
    let west = t.service("West").await;
    let (_, lead) = someone(
        &t,
        &west,
        "lead@registry.test",
        "pwp",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (pwp, token) = someone(
        &t,
        &west,
        "pwp@registry.test",
        "pwp",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    t.post(&format!("/api/v1/practitioners/{pwp}/accreditations"), &token,
           json!({"body": "BABCP", "kind": "pwp_register", "membership_number": "W-1", "valid_from": days_ago(20), "expires_on": days_ahead(345)}))
        .await
        .expect(201);
    let a = t
        .post(
            &format!("/api/v1/practitioners/{pwp}/body-audits"),
            &lead,
            json!({"body": "BABCP", "requested_on": days_ago(3)}),
        )
        .await
        .expect(201)
        .json();
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let html = b.get("/audits").await.expect(200).text();
    assert!(
        html.contains("Person pwp@registry.test") && html.contains("67 days left"),
        "{html}"
    );
    assert!(html.contains("no supervision recorded in"), "{html}");
    let id = a["id"].as_str().unwrap();
    b.post_raw(&format!("/audits/{id}"), &[("status", "submitted")])
        .await
        .expect(403);
    b.post(&format!("/audits/{id}"), &[("status", "submitted")])
        .await
        .expect(303);
    let html = b.get("/audits?done=submitted").await.expect(200).text();
    assert!(
        html.contains("marked as sent") && html.contains("No audit is waiting."),
        "{html}"
    );
    let p = t.sign_in("pwp@registry.test", PASSWORD).await;
    p.get("/audits").await.expect(404);
    // The practitioner's home tells them of their live assessments and their declaration.
    let home = p.get("/").await.expect(200).text();
    assert!(
        home.contains("Your live assessments of practice") && home.contains("Declare by"),
        "{home}"
    );
}

async fn a_supervisor_records_a_live_assessment_on_the_web(t: TestApp) {
    let west = t.service("West").await;
    let (_, _) = someone(
        &t,
        &west,
        "sup@registry.test",
        "pwp",
        "2019-01-01",
        &["supervisor"],
    )
    .await;
    let (pwp, pwp_token) = someone(
        &t,
        &west,
        "pwp@registry.test",
        "pwp",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    let b = t.sign_in("sup@registry.test", PASSWORD).await;
    let path = format!("/supervisees/{pwp}/live-assessments");
    let html = b.get(&path).await.expect(200).text();
    assert!(
        html.contains("Live assessments of Person pwp@registry.test")
            && html.contains("Behavioural activation"),
        "{html}"
    );
    // No date; then neither an outcome nor a reason (the use case's own message).
    let html = b
        .post(&path, &[("intervention", "exposure")])
        .await
        .expect(422)
        .text();
    assert!(
        html.contains("There is a problem") && html.contains("Enter the date of the assessment"),
        "{html}"
    );
    let html = b
        .post(
            &path,
            &[("assessed_on", &days_ago(1)), ("intervention", "exposure")],
        )
        .await
        .expect(422)
        .text();
    assert!(html.contains("why no assessment was possible"), "{html}");
    b.post_raw(
        &path,
        &[
            ("assessed_on", &days_ago(1)),
            ("intervention", "exposure"),
            ("outcome", "meets_standard"),
        ],
    )
    .await
    .expect(403);
    b.post(
        &path,
        &[
            ("assessed_on", &days_ago(1)),
            ("intervention", "exposure"),
            ("outcome", "meets_standard"),
        ],
    )
    .await
    .expect(303);
    let html = b.get(&format!("{path}?done=1")).await.expect(200).text();
    assert!(
        html.contains("The live assessment is recorded.") && html.contains("Meets the standard"),
        "{html}"
    );
    assert_eq!(live(&t, &pwp, &pwp_token).await["achieved"], 1);
    // The practitioner cannot record their own.
    let p = t.sign_in("pwp@registry.test", PASSWORD).await;
    p.get(&path).await.expect(404);
}

async fn overdue_live_assessments_reach_the_person_their_supervisor_and_lead(t: TestApp) {
    let west = t.service("West").await;
    let (lead_id, _) = someone(
        &t,
        &west,
        "lead@registry.test",
        "pwp",
        "2019-01-01",
        &["training_lead"],
    )
    .await;
    let (sup, _) = someone(
        &t,
        &west,
        "sup@registry.test",
        "pwp",
        "2019-01-01",
        &["supervisor"],
    )
    .await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let (pwp, token) = someone(
        &t,
        &west,
        "pwp@registry.test",
        "pwp",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    let (away, away_token) = someone(
        &t,
        &west,
        "away@registry.test",
        "pwp",
        "2019-01-01",
        &["practitioner"],
    )
    .await;
    t.post("/api/v1/supervision-logs", &token,
           json!({"supervisor_id": sup, "held_on": days_ago(3), "duration_minutes": 60,
                  "supervision_type": "case_management", "format": "individual", "cases_discussed": 4}))
        .await
        .expect(201);
    // One PWP on leave: their reminders pause.
    let cred = t
        .post(&format!("/api/v1/practitioners/{away}/accreditations"), &away_token,
              json!({"body": "BPS", "kind": "wpw_register", "membership_number": "W-9", "valid_from": days_ago(10), "expires_on": days_ahead(355)}))
        .await
        .expect(201)
        .json();
    t.post(
        &format!(
            "/api/v1/accreditations/{}/leave",
            cred["id"].as_str().unwrap()
        ),
        &away_token,
        json!({"from": days_ago(2), "to": days_ahead(30), "reason": "Parental leave"}),
    )
    .await
    .expect(201);
    // Rules in force for years: both are overdue, and have been for well over a week.
    t.sql("UPDATE live_assessment_rules SET created_at = '2020-01-01 00:00:00'");
    t.post("/api/v1/admin/reminders/run", &t.admin, json!({}))
        .await
        .expect(200);
    let kinds_for = |who: String| {
        let t = &t;
        async move {
            let n = t
                .get(
                    &format!("/api/v1/notifications?recipient_id={who}&limit=500"),
                    &t.admin,
                )
                .await
                .expect(200)
                .json();
            n["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["kind"].as_str().unwrap().to_string(),
                        i["subject_id"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let own = kinds_for(pwp.clone()).await;
    assert!(
        own.contains(&("live_assessment_overdue".to_string(), pwp.clone())),
        "{own:?}"
    );
    for who in [sup.clone(), lead_id.clone()] {
        let theirs = kinds_for(who).await;
        assert!(
            theirs.contains(&("live_assessment_escalated".to_string(), pwp.clone())),
            "{theirs:?}"
        );
        assert!(!theirs.iter().any(|(_, s)| *s == away), "{theirs:?}");
    }
    let paused = kinds_for(away.clone()).await;
    assert!(
        !paused
            .iter()
            .any(|(k, _)| k.starts_with("live_assessment") || k.starts_with("supervision")),
        "{paused:?}"
    );
}
