use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    bodies_kinds_and_modalities_are_data,
    courses_must_be_accredited_by_the_modalitys_body,
    credentials_have_a_status_and_a_recorded_verification,
    duplicate_numbers_and_inverted_dates_are_refused,
    cpd_moves_the_renewal_check_from_unmet_to_met,
    training_records_move_forward_and_flag_lapsed_courses,
    the_accreditation_report_answers_json_and_safe_csv,
    required_courses_show_who_still_lacks_them,
    one_membership_number_holds_several_kinds_of_one_person,
);

/// BABCP keeps a practitioner's and a supervisor's accreditation under one number: the number
/// is one person's, and each kind's periods may not overlap.
async fn one_membership_number_holds_several_kinds_of_one_person(t: TestApp) {
    let s = t.service("Numbers").await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let (other, other_token) = t.person(&s, "other@registry.test", &["practitioner"]).await;
    for kind in ["accredited_practitioner", "accredited_supervisor"] {
        credential(
            &t,
            &me,
            &token,
            "BABCP",
            kind,
            "777",
            "2026-01-01",
            "2026-12-31",
        )
        .await
        .expect(201);
    }
    let again = credential(
        &t,
        &me,
        &token,
        "BABCP",
        "accredited_supervisor",
        "777",
        "2026-06-01",
        "2027-05-31",
    )
    .await
    .problem(409);
    assert!(
        again["detail"]
            .as_str()
            .unwrap()
            .contains("accredited_supervisor"),
        "{again}"
    );
    credential(
        &t,
        &other,
        &other_token,
        "BABCP",
        "accredited_supervisor",
        "777",
        "2028-01-01",
        "2028-12-31",
    )
    .await
    .problem(409);
}

async fn required_courses_show_who_still_lacks_them(t: TestApp) {
    let s = t.service("Required").await;
    let other = t.service("Elsewhere").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (_, far_lead) = t
        .person(&other, "far@registry.test", &["training_lead"])
        .await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let culture = course(
        &t,
        &lead,
        "li_cbt",
        "BPS",
        "cpd",
        "2020-01-01",
        &in_days(60),
    )
    .await;
    let cbt_only = course(
        &t,
        &lead,
        "cbt",
        "BABCP",
        "cpd",
        "2020-01-01",
        &in_days(400),
    )
    .await;
    let everyone = json!({"service_id": s, "course_id": culture["id"]});
    t.post("/api/v1/required-courses", &token, everyone.clone())
        .await
        .problem(403);
    t.post("/api/v1/required-courses", &far_lead, everyone.clone())
        .await
        .problem(403);
    let req = t
        .post("/api/v1/required-courses", &lead, everyone.clone())
        .await
        .expect(201)
        .json();
    t.post("/api/v1/required-courses", &lead, everyone)
        .await
        .problem(409);
    t.post(
        "/api/v1/required-courses",
        &lead,
        json!({"service_id": s, "course_id": cbt_only["id"], "practitioner_role": "cbt_therapist"}),
    )
    .await
    .expect(201);

    let training = format!("/api/v1/practitioners/{me}/training");
    let mine = t.get(&training, &token).await.expect(200).json();
    let missing: Vec<&str> = mine["required_missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["course_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [culture["id"].as_str().unwrap()],
        "a PWP is not held to the CBT-only course"
    );
    t.post(
        &training,
        &lead,
        json!({"course_id": culture["id"], "status": "completed", "completed_on": in_days(-2)}),
    )
    .await
    .expect(201);
    let mine = t.get(&training, &token).await.expect(200).json();
    assert!(
        mine["required_missing"].as_array().unwrap().is_empty(),
        "{mine}"
    );

    let report = t
        .get("/api/v1/reports/courses", &lead)
        .await
        .expect(200)
        .json();
    let row = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == culture["id"])
        .unwrap()
        .clone();
    assert_eq!(
        (
            row["status"].clone(),
            row["completions"].clone(),
            row["completions_outside_accreditation"].clone()
        ),
        (json!("expiring"), json!(1), json!(0))
    );
    let lacking: Vec<&str> = row["required"][0]["lacking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(lacking, ["Person lead@registry.test"]);
    let far = t
        .get("/api/v1/reports/courses", &far_lead)
        .await
        .expect(200)
        .json();
    assert!(far["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["required"].as_array().unwrap().is_empty()));
    t.get("/api/v1/reports/courses", &token).await.problem(403);
    let req_csv = actix_web::test::TestRequest::get()
        .uri("/api/v1/reports/courses")
        .insert_header(("Authorization", format!("Bearer {lead}")))
        .insert_header(("Accept", "text/csv"));
    let csv = t.send(req_csv).await.expect(200).text();
    assert!(
        csv.starts_with("course_id,title,modality,body,kind"),
        "{csv}"
    );
    assert!(csv.contains("Person lead@registry.test"));
    t.delete(
        &format!("/api/v1/required-courses/{}", req["id"].as_str().unwrap()),
        &far_lead,
    )
    .await
    .problem(404);
    t.delete(
        &format!("/api/v1/required-courses/{}", req["id"].as_str().unwrap()),
        &lead,
    )
    .await
    .expect(204);
    assert_eq!(
        t.get("/api/v1/required-courses", &lead)
            .await
            .expect(200)
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn in_days(n: i64) -> String {
    (today() + Duration::days(n)).to_string()
}

async fn course(
    t: &TestApp,
    token: &str,
    modality: &str,
    body: &str,
    kind: &str,
    from: &str,
    until: &str,
) -> Value {
    let b = json!({"title": format!("{modality} {kind}"), "provider": "University of Somewhere", "modality": modality, "body": body,
                   "kind": kind, "accredited_from": from, "accredited_until": until});
    t.post("/api/v1/courses", token, b).await.json()
}

// One argument per field it posts, so each call reads like the record it makes.
#[allow(clippy::too_many_arguments)]
async fn credential(
    t: &TestApp,
    who: &str,
    token: &str,
    body: &str,
    kind: &str,
    number: &str,
    from: &str,
    until: &str,
) -> crate::support::Res {
    let b = json!({"body": body, "kind": kind, "membership_number": number, "valid_from": from, "expires_on": until});
    t.post(
        &format!("/api/v1/practitioners/{who}/accreditations"),
        token,
        b,
    )
    .await
}

async fn bodies_kinds_and_modalities_are_data(t: TestApp) {
    let kinds = t
        .get("/api/v1/credential-kinds", &t.admin)
        .await
        .expect(200)
        .json();
    let pairs: Vec<(String, String)> = kinds["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["body"].as_str().unwrap().into(),
                k["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (b, k) in [
        ("BPS", "wpw_register"),
        ("BABCP", "accredited_practitioner"),
        ("BABCP", "pwp_register"),
        ("BACP", "registered_member"),
        ("BPC", "dit_supervisor"),
        ("IPTUK", "trainer"),
    ] {
        assert!(pairs.contains(&(b.into(), k.into())), "{b} {k}");
    }
    assert_eq!(pairs.len(), 12);
    let babcp = t
        .get("/api/v1/credential-kinds?body=BABCP", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(babcp["items"].as_array().unwrap().len(), 4);
    assert_eq!(babcp["items"][0]["reminder_offsets"], "60,30,7");

    let s = t.service("Data").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let new_kind = json!({"body": "BACP", "code": "senior_accredited", "name": "Senior accredited", "renewal_months": 12, "reminder_offsets": [30, 90]});
    t.post("/api/v1/credential-kinds", &lead, new_kind.clone())
        .await
        .problem(403);
    let k = t
        .post("/api/v1/credential-kinds", &t.admin, new_kind.clone())
        .await
        .expect(201)
        .json();
    assert_eq!(k["reminder_offsets"], "90,30");
    t.post("/api/v1/credential-kinds", &t.admin, new_kind)
        .await
        .problem(409);
    let k2 = t
        .patch(
            &format!("/api/v1/credential-kinds/{}", k["id"].as_str().unwrap()),
            &t.admin,
            json!({"renewal_months": 24}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(k2["renewal_months"], 24);
    // The couple-therapy mapping is editable by an admin, and courses follow it.
    t.patch("/api/v1/modalities/ctfd", &lead, json!({"body": "BACP"}))
        .await
        .problem(403);
    let m = t
        .patch("/api/v1/modalities/ctfd", &t.admin, json!({"body": "BACP"}))
        .await
        .expect(200)
        .json();
    assert_eq!(m["body"], "BACP");
    let mods = t.get("/api/v1/modalities", &lead).await.expect(200).json();
    assert!(mods["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["code"] == "ctfd" && m["body"] == "BACP"));
    t.patch("/api/v1/modalities/ctfd", &t.admin, json!({"body": "NHS"}))
        .await
        .problem(422);
}

async fn courses_must_be_accredited_by_the_modalitys_body(t: TestApp) {
    let s = t.service("Courses").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (_, prac) = t.person(&s, "prac@registry.test", &["practitioner"]).await;
    let good = course(
        &t,
        &lead,
        "cbt",
        "BABCP",
        "practitioner_training",
        "2024-01-01",
        &in_days(400),
    )
    .await;
    assert_eq!(
        (
            good["status"].clone(),
            good["body"].clone(),
            good["modality"].clone()
        ),
        (json!("accredited"), json!("BABCP"), json!("cbt"))
    );
    let expiring = course(
        &t,
        &lead,
        "li_cbt",
        "BPS",
        "practitioner_training",
        "2022-01-01",
        &in_days(30),
    )
    .await;
    assert_eq!(expiring["status"], "expiring");
    let lapsed = course(&t, &lead, "cfd", "BACP", "cpd", "2020-01-01", "2023-01-01").await;
    assert_eq!(lapsed["status"], "lapsed");

    let b = json!({"title": "CBT by the wrong body", "provider": "X", "modality": "cbt", "body": "BPS", "kind": "practitioner_training",
                   "accredited_from": "2024-01-01", "accredited_until": "2029-01-01"});
    let p = t.post("/api/v1/courses", &lead, b).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "body");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("BABCP"),
        "{p}"
    );
    let b = json!({"title": "Backwards", "provider": "X", "modality": "cbt", "body": "BABCP", "kind": "cpd",
                   "accredited_from": "2029-01-01", "accredited_until": "2024-01-01"});
    t.post("/api/v1/courses", &lead, b).await.problem(422);
    let b = json!({"title": "Mine", "provider": "X", "modality": "cbt", "body": "BABCP", "kind": "cpd", "accredited_from": "2024-01-01", "accredited_until": "2029-01-01"});
    t.post("/api/v1/courses", &prac, b).await.problem(403);

    let listed = t
        .get("/api/v1/courses?status=lapsed", &prac)
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let listed = t
        .get(
            "/api/v1/courses?body=BABCP&kind=practitioner_training",
            &prac,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"][0]["id"], good["id"]);
    let id = good["id"].as_str().unwrap();
    t.patch(
        &format!("/api/v1/courses/{id}"),
        &lead,
        json!({"body": "BACP"}),
    )
    .await
    .problem(422);
    let renamed = t
        .patch(
            &format!("/api/v1/courses/{id}"),
            &lead,
            json!({"title": "PG Diploma in CBT"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(renamed["title"], "PG Diploma in CBT");
    t.get(&format!("/api/v1/courses/{id}"), &prac)
        .await
        .expect(200);
}

async fn credentials_have_a_status_and_a_recorded_verification(t: TestApp) {
    let s = t.service("Credentials").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (me, token) = t.person(&s, "cbt@registry.test", &["practitioner"]).await;
    let lead_me = t.get("/api/v1/me", &lead).await.expect(200).json();

    let active = credential(
        &t,
        &me,
        &token,
        "BABCP",
        "accredited_practitioner",
        "A-1001",
        // Renewed by annual declaration: the next is on the anniversary, 335 days away.
        &in_days(-30),
        &in_days(200),
    )
    .await
    .expect(201)
    .json();
    assert_eq!(active["status"], "pending_verification");
    let soon = credential(
        &t,
        &me,
        &token,
        "BACP",
        "registered_member",
        "B-2002",
        "2025-01-01",
        &in_days(10),
    )
    .await
    .expect(201)
    .json();
    let gone = credential(
        &t,
        &me,
        &token,
        "IPTUK",
        "practitioner",
        "C-3003",
        "2024-01-01",
        &in_days(-5),
    )
    .await
    .expect(201)
    .json();

    for (c, status) in [(&active, "active"), (&soon, "expiring"), (&gone, "expired")] {
        let path = format!("/api/v1/accreditations/{}", c["id"].as_str().unwrap());
        t.patch(
            &path,
            &token,
            json!({"verified": true, "verification_method": "register_lookup"}),
        )
        .await
        .problem(403);
        let v = t
            .patch(&path, &lead, json!({"verified": true, "verification_method": "register_lookup", "verification_reference": "BABCP register, checked by phone"}))
            .await
            .expect(200)
            .json();
        assert_eq!(v["status"], status);
        assert_eq!(v["verified_by"], lead_me["id"]);
        assert_eq!(v["verification_method"], "register_lookup");
        assert!(v["verified_at"].as_str().unwrap().ends_with('Z'));
        t.patch(
            &path,
            &lead,
            json!({"verified": true, "verification_method": "certificate_seen"}),
        )
        .await
        .problem(409);
    }
    let listed = t
        .get(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
        )
        .await
        .expect(200)
        .json();
    let statuses: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["active", "expiring", "expired"]);
    // Nobody verifies their own; a lead of another service cannot see them at all.
    let (lead_id, _) = (lead_me["id"].as_str().unwrap().to_string(), ());
    let own = credential(
        &t,
        &lead_id,
        &lead,
        "BABCP",
        "accredited_supervisor",
        "S-1",
        "2026-01-01",
        &in_days(300),
    )
    .await
    .expect(201)
    .json();
    t.patch(
        &format!("/api/v1/accreditations/{}", own["id"].as_str().unwrap()),
        &lead,
        json!({"verified": true, "verification_method": "other"}),
    )
    .await
    .problem(403);
    let other = t.service("Other").await;
    let (_, far_lead) = t
        .person(&other, "far@registry.test", &["training_lead"])
        .await;
    t.get(
        &format!("/api/v1/practitioners/{me}/accreditations"),
        &far_lead,
    )
    .await
    .problem(404);
    let (_, colleague) = t
        .person(&s, "colleague@registry.test", &["practitioner"])
        .await;
    t.get(
        &format!("/api/v1/practitioners/{me}/accreditations"),
        &colleague,
    )
    .await
    .problem(404);
    credential(
        &t,
        &me,
        &colleague,
        "BABCP",
        "pwp_register",
        "X-1",
        "2026-01-01",
        &in_days(30),
    )
    .await
    .problem(404);
    let p = t
        .patch(
            &format!("/api/v1/accreditations/{}", own["id"].as_str().unwrap()),
            &t.admin,
            json!({"verified": false, "verification_method": "other"}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "verified");
}

async fn duplicate_numbers_and_inverted_dates_are_refused(t: TestApp) {
    let s = t.service("Duplicates").await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let (other, other_token) = t.person(&s, "other@registry.test", &["practitioner"]).await;
    credential(
        &t,
        &me,
        &token,
        "BABCP",
        "accredited_practitioner",
        "123456",
        "2026-01-01",
        "2026-12-31",
    )
    .await
    .expect(201);
    credential(
        &t,
        &me,
        &token,
        "BABCP",
        "accredited_practitioner",
        "123456",
        "2026-01-01",
        "2026-12-31",
    )
    .await
    .problem(409);
    credential(
        &t,
        &other,
        &other_token,
        "BABCP",
        "accredited_practitioner",
        "123456",
        "2027-01-01",
        "2027-12-31",
    )
    .await
    .problem(409);
    // A renewal is a new period; history stays.
    credential(
        &t,
        &me,
        &token,
        "BABCP",
        "accredited_practitioner",
        "123456",
        "2027-01-01",
        "2027-12-31",
    )
    .await
    .expect(201);
    // Another body may use the same number.
    credential(
        &t,
        &me,
        &token,
        "BACP",
        "registered_member",
        "123456",
        "2026-01-01",
        "2026-12-31",
    )
    .await
    .expect(201);
    let p = credential(
        &t,
        &me,
        &token,
        "BACP",
        "accredited_member",
        "9",
        "2026-06-01",
        "2026-01-01",
    )
    .await
    .problem(422);
    assert_eq!(p["errors"][0]["field"], "expires_on");
    let p = credential(
        &t,
        &me,
        &token,
        "BACP",
        "wpw_register",
        "9",
        "2026-01-01",
        "2026-06-01",
    )
    .await
    .problem(422);
    assert_eq!(p["errors"][0]["field"], "kind");
    let listed = t
        .get(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
}

async fn cpd_moves_the_renewal_check_from_unmet_to_met(t: TestApp) {
    let s = t.service("CPD").await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    credential(
        &t,
        &me,
        &token,
        "BABCP",
        "accredited_practitioner",
        "777",
        &in_days(-200),
        &in_days(165),
    )
    .await
    .expect(201);
    let check = |v: Value| v["items"][0]["cpd"].clone();
    let c = check(
        t.get(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
        )
        .await
        .expect(200)
        .json(),
    );
    assert_eq!(c["met"], false);
    assert_eq!(
        c["missing"],
        json!([
            "5 more activities with reflective statements",
            "6 more hours of CBT skills"
        ])
    );
    let mut ids = Vec::new();
    for i in 0..5 {
        let a = json!({"title": format!("Workshop {i}"), "held_on": (today() - Duration::days(10 + i)).to_string(), "hours": 1.5,
                       "category": "workshop", "cbt_related": true, "reflective_statement": "What I will do differently"});
        ids.push(
            t.post(&format!("/api/v1/practitioners/{me}/cpd"), &token, a)
                .await
                .expect(201)
                .json()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let c = check(
        t.get(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
        )
        .await
        .expect(200)
        .json(),
    );
    assert_eq!(c["met"], true, "{c}");
    assert_eq!(c["missing"], json!([]));
    // Only the practitioner writes their CPD; their lead reads it.
    let a =
        json!({"title": "x", "held_on": today().to_string(), "hours": 1, "category": "reading"});
    t.post(&format!("/api/v1/practitioners/{me}/cpd"), &lead, a)
        .await
        .problem(403);
    t.patch(
        &format!("/api/v1/cpd/{}", ids[0]),
        &lead,
        json!({"hours": 0.5}),
    )
    .await
    .problem(403);
    assert_eq!(
        t.get(&format!("/api/v1/practitioners/{me}/cpd"), &lead)
            .await
            .expect(200)
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    t.patch(
        &format!("/api/v1/cpd/{}", ids[0]),
        &token,
        json!({"reflective_statement": ""}),
    )
    .await
    .expect(200);
    let c = check(
        t.get(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
        )
        .await
        .expect(200)
        .json(),
    );
    // Four counted activities still make 6 hours of CBT skills; one fewer does not.
    assert_eq!(
        c["missing"],
        json!(["1 more activity with a reflective statement"])
    );
    t.delete(&format!("/api/v1/cpd/{}", ids[1]), &token)
        .await
        .expect(204);
    let c = check(
        t.get(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
        )
        .await
        .expect(200)
        .json(),
    );
    assert_eq!(
        c["missing"],
        json!([
            "2 more activities with reflective statements",
            "1.5 more hours of CBT skills"
        ])
    );
    let p = t
        .post(
            &format!("/api/v1/practitioners/{me}/cpd"),
            &token,
            json!({"title": "future", "held_on": in_days(3), "hours": 1, "category": "x"}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "held_on");
}

async fn training_records_move_forward_and_flag_lapsed_courses(t: TestApp) {
    let s = t.service("Training").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let current = course(
        &t,
        &lead,
        "ipt",
        "IPTUK",
        "practitioner_training",
        "2020-01-01",
        &in_days(500),
    )
    .await;
    let old = course(
        &t,
        &lead,
        "dit",
        "BPC",
        "practitioner_training",
        "2018-01-01",
        "2021-12-31",
    )
    .await;
    let path = format!("/api/v1/practitioners/{me}/training");
    // A past completion is recorded directly, and flagged when the course had lapsed by then.
    let done = t
        .post(&path, &lead, json!({"course_id": old["id"], "status": "completed", "started_on": "2021-09-01", "completed_on": "2022-06-30"}))
        .await
        .expect(201)
        .json();
    assert_eq!(done["course_accredited_at_completion"], false);
    let p = t
        .post(
            &path,
            &lead,
            json!({"course_id": current["id"], "status": "completed"}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "completed_on");
    t.post(&path, &lead, json!({"course_id": current["id"], "status": "completed", "started_on": "2025-09-01", "completed_on": "2025-08-01"}))
        .await
        .problem(422);
    t.post(
        &path,
        &token,
        json!({"course_id": current["id"], "status": "enrolled"}),
    )
    .await
    .problem(403);
    let enrolled = t
        .post(
            &path,
            &lead,
            json!({"course_id": current["id"], "status": "enrolled"}),
        )
        .await
        .expect(201)
        .json();
    let rec = format!("/api/v1/training/{}", enrolled["id"].as_str().unwrap());
    let started = t
        .patch(
            &rec,
            &lead,
            json!({"status": "in_progress", "started_on": in_days(-30)}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(started["status"], "in_progress");
    t.patch(&rec, &lead, json!({"status": "enrolled"}))
        .await
        .problem(409);
    let finished = t
        .patch(
            &rec,
            &lead,
            json!({"status": "completed", "completed_on": in_days(-1)}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        (
            finished["status"].clone(),
            finished["course_accredited_at_completion"].clone()
        ),
        (json!("completed"), json!(true))
    );
    t.patch(&rec, &lead, json!({"status": "withdrawn"}))
        .await
        .problem(409);
    let mine = t.get(&path, &token).await.expect(200).json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    // Skills: the role's modality plus completed practitioner training.
    let by_ipt = t
        .get("/api/v1/practitioners?modality=ipt", &lead)
        .await
        .expect(200)
        .json();
    let emails: Vec<&str> = by_ipt["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["me@registry.test"]);
    let by_pwp = t
        .get("/api/v1/practitioners?modality=li_cbt", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(by_pwp["items"].as_array().unwrap().len(), 2);
}

async fn the_accreditation_report_answers_json_and_safe_csv(t: TestApp) {
    let s = t.service("Report").await;
    let other = t.service("Other").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let (far, far_token) = t
        .person(&other, "far@registry.test", &["practitioner"])
        .await;
    let a = credential(
        &t,
        &me,
        &token,
        "BABCP",
        "accredited_practitioner",
        "=1+1",
        &in_days(-30),
        &in_days(300),
    )
    .await
    .expect(201)
    .json();
    credential(
        &t,
        &me,
        &token,
        "BPS",
        "wpw_register",
        "P-1",
        "2026-01-01",
        &in_days(20),
    )
    .await
    .expect(201);
    credential(
        &t,
        &far,
        &far_token,
        "BACP",
        "registered_member",
        "F-1",
        "2026-01-01",
        &in_days(300),
    )
    .await
    .expect(201);
    t.patch(
        &format!("/api/v1/accreditations/{}", a["id"].as_str().unwrap()),
        &lead,
        json!({"verified": true, "verification_method": "certificate_seen"}),
    )
    .await
    .expect(200);

    let r = t
        .get("/api/v1/reports/accreditation", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(
        r["items"].as_array().unwrap().len(),
        2,
        "only the lead's service: {r}"
    );
    let r = t
        .get(
            "/api/v1/reports/accreditation?status=pending_verification",
            &lead,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(r["items"][0]["membership_number"], "P-1");
    assert_eq!(r["items"][0]["full_name"], "Person me@registry.test");
    let r = t
        .get(
            "/api/v1/reports/accreditation?body=BABCP&status=active",
            &lead,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let all = t
        .get("/api/v1/reports/accreditation?limit=1", &t.admin)
        .await
        .expect(200)
        .json();
    assert!(all["next_cursor"].is_string());
    t.get("/api/v1/reports/accreditation", &token)
        .await
        .problem(403);
    t.get("/api/v1/reports/accreditation?status=great", &lead)
        .await
        .problem(422);

    let req = actix_web::test::TestRequest::get()
        .uri("/api/v1/reports/accreditation")
        .insert_header(("Authorization", format!("Bearer {lead}")))
        .insert_header(("Accept", "text/csv"));
    let csv = t.send(req).await.expect(200).text();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with(
        "practitioner_id,full_name,service_id,service_name,accreditation_id,body,kind,membership_number"
    ));
    assert!(csv.contains(",'=1+1,"), "{csv}");
    assert!(csv.contains(",P-1,") && csv.contains("pending_verification"));
}
