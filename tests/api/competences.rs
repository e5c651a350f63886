use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    the_supervision_framework_is_seeded,
    a_sign_off_with_the_contracts_fields,
    who_may_sign_off_a_competence,
    reviews_fall_due_and_show_in_the_report,
    eligibility_decides_who_may_be_named_on_a_log,
    admins_extend_frameworks_and_retire_competences,
);

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn in_days(n: i64) -> String {
    (today() + Duration::days(n)).to_string()
}

async fn framework(t: &TestApp) -> Value {
    let list = t
        .get("/api/v1/competency-frameworks", &t.admin)
        .await
        .expect(200)
        .json();
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "supervision")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    t.get(&format!("/api/v1/competency-frameworks/{id}"), &t.admin)
        .await
        .expect(200)
        .json()
}

fn competence(f: &Value, code: &str) -> String {
    f["domains"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["competences"].as_array().unwrap().iter())
        .find(|c| c["code"] == code)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn sign_off(competency_id: &str, outcome: &str, review: Option<String>) -> Value {
    json!({"competency_id": competency_id, "outcome": outcome, "evidence": "Observed a recorded supervision session", "evidence_method": "recording", "review_due_on": review})
}

async fn the_supervision_framework_is_seeded(t: TestApp) {
    let f = framework(&t).await;
    let domains: Vec<&str> = f["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["domain"].as_str().unwrap())
        .collect();
    assert_eq!(domains, ["generic", "specific", "application", "meta"]);
    assert!(f["source"].as_str().unwrap().contains("Roth"));
    let application = f["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == "application")
        .unwrap();
    let mut modalities: Vec<&str> = application["competences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["modality"].as_str().unwrap())
        .collect();
    modalities.sort();
    assert_eq!(modalities, ["cbt", "cfd", "ctfd", "dit", "ipt", "li_cbt"]);
    t.get(
        "/api/v1/competency-frameworks/00000000-0000-0000-0000-000000000000",
        &t.admin,
    )
    .await
    .problem(404);
}

async fn who_may_sign_off_a_competence(t: TestApp) {
    let s = t.service("Assessing").await;
    let f = framework(&t).await;
    let (g1, g2) = (competence(&f, "G1"), competence(&f, "G2"));
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (sup, sup_token) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    let (trainee, trainee_token) = t
        .person(&s, "trainee@registry.test", &["practitioner", "supervisor"])
        .await;
    let (_, prac) = t.person(&s, "prac@registry.test", &["practitioner"]).await;

    // The lead signs off the supervisor's G1; then the supervisor holds it and may assess it.
    let a = t
        .post(
            &format!("/api/v1/practitioners/{sup}/competencies"),
            &lead,
            sign_off(&g1, "met", Some(in_days(365))),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(
        a["assessed_by"],
        t.get("/api/v1/me", &lead).await.expect(200).json()["id"]
    );
    assert_eq!(a["assessed_on"], today().to_string());
    t.post(
        &format!("/api/v1/practitioners/{trainee}/competencies"),
        &sup_token,
        sign_off(&g1, "met", Some(in_days(365))),
    )
    .await
    .expect(201);
    let p = t
        .post(
            &format!("/api/v1/practitioners/{trainee}/competencies"),
            &sup_token,
            sign_off(&g2, "met", None),
        )
        .await
        .problem(403);
    assert!(
        p["detail"].as_str().unwrap().contains("current sign-off"),
        "{p}"
    );
    t.post(
        &format!("/api/v1/practitioners/{sup}/competencies"),
        &sup_token,
        sign_off(&g1, "met", None),
    )
    .await
    .problem(403);
    t.post(
        &format!("/api/v1/practitioners/{trainee}/competencies"),
        &prac,
        sign_off(&g1, "met", None),
    )
    .await
    .problem(404);
    let p = t
        .post(
            &format!("/api/v1/practitioners/{trainee}/competencies"),
            &lead,
            sign_off(&g1, "excellent", None),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "outcome");

    // History is kept; the latest assessment is the current state.
    t.post(
        &format!("/api/v1/practitioners/{trainee}/competencies"),
        &lead,
        sign_off(&g1, "not_yet_met", Some(in_days(90))),
    )
    .await
    .expect(201);
    let mine = t
        .get(
            &format!("/api/v1/practitioners/{trainee}/competencies"),
            &trainee_token,
        )
        .await
        .expect(200)
        .json();
    let item = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["competency_id"] == json!(g1))
        .unwrap();
    assert_eq!(item["state"], "not_yet_met");
    assert_eq!(item["history"].as_array().unwrap().len(), 2);
    let g2_item = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["competency_id"] == json!(g2))
        .unwrap();
    assert_eq!(g2_item["state"], "not_assessed");
    t.get(
        &format!("/api/v1/practitioners/{trainee}/competencies"),
        &prac,
    )
    .await
    .problem(404);

    // A first assessor named by an admin may assess without holding the competence.
    let (first, first_token) = t.person(&s, "first@registry.test", &["practitioner"]).await;
    t.post(
        &format!("/api/v1/practitioners/{trainee}/competencies"),
        &first_token,
        sign_off(&g2, "met", None),
    )
    .await
    .problem(404);
    let fid = f["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/competency-frameworks/{fid}/assessors"),
        &lead,
        json!({"user_id": first}),
    )
    .await
    .problem(403);
    t.post(
        &format!("/api/v1/competency-frameworks/{fid}/assessors"),
        &t.admin,
        json!({"user_id": sup}),
    )
    .await
    .expect(204);
    t.post(
        &format!("/api/v1/practitioners/{trainee}/competencies"),
        &sup_token,
        sign_off(&g2, "met", None),
    )
    .await
    .expect(201);
}

async fn reviews_fall_due_and_show_in_the_report(t: TestApp) {
    let s = t.service("Reviews").await;
    let f = framework(&t).await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (sup, _) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    let (s1, s3) = (competence(&f, "S1"), competence(&f, "S3"));
    let mut past = sign_off(&s1, "met", Some(in_days(-1)));
    past["assessed_on"] = json!(in_days(-400));
    t.post(
        &format!("/api/v1/practitioners/{sup}/competencies"),
        &lead,
        past,
    )
    .await
    .expect(201);
    t.post(
        &format!("/api/v1/practitioners/{sup}/competencies"),
        &lead,
        sign_off(&s3, "met", Some(in_days(200))),
    )
    .await
    .expect(201);
    let mine = t
        .get(&format!("/api/v1/practitioners/{sup}/competencies"), &lead)
        .await
        .expect(200)
        .json();
    let st = |id: &str| {
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["competency_id"] == json!(id))
            .unwrap()["state"]
            .clone()
    };
    assert_eq!((st(&s1), st(&s3)), (json!("review_overdue"), json!("met")));

    let report = t
        .get("/api/v1/reports/competencies", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(report["items"].as_array().unwrap().len(), 2);
    let overdue = t
        .get("/api/v1/reports/competencies?state=review_overdue", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    assert_eq!(overdue["items"][0]["code"], "S1");
    assert_eq!(overdue["items"][0]["review_due_on"], in_days(-1));
    let req = actix_web::test::TestRequest::get()
        .uri(&format!(
            "/api/v1/reports/competencies?framework_id={}",
            f["id"].as_str().unwrap()
        ))
        .insert_header(("Authorization", format!("Bearer {lead}")))
        .insert_header(("Accept", "text/csv"));
    let csv = t.send(req).await.expect(200).text();
    assert_eq!(
        csv.split("\r\n").filter(|l| !l.is_empty()).count(),
        3,
        "{csv}"
    );
    assert!(csv.contains("review_overdue"));
    let (_, prac) = t.person(&s, "prac@registry.test", &["practitioner"]).await;
    t.get("/api/v1/reports/competencies", &prac)
        .await
        .problem(403);
}

async fn eligibility_decides_who_may_be_named_on_a_log(t: TestApp) {
    let s = t.service("Eligibility").await;
    let f = framework(&t).await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let body = json!({"email": "newsup@registry.test", "full_name": "New Supervisor", "service_id": s, "practitioner_role": "cbt_therapist",
                      "stage": "qualified", "wte": 1.0, "roles": ["supervisor"], "password": PASSWORD});
    let sup = t
        .post("/api/v1/practitioners", &t.admin, body)
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, token) = t.person(&s, "pwp@registry.test", &["practitioner"]).await;
    let log = json!({"supervisor_id": sup, "held_on": in_days(-1), "duration_minutes": 60, "supervision_type": "case_management", "format": "individual"});

    let matrix = |v: &Value| -> (bool, Vec<String>) {
        let row = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["supervisor_id"] == json!(sup))
            .unwrap();
        let m = &row["modalities"][0];
        (
            m["eligible"].as_bool().unwrap(),
            m["missing"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect(),
        )
    };
    let before = t
        .get("/api/v1/supervisors?modality=li_cbt", &lead)
        .await
        .expect(200)
        .json();
    let (eligible, missing) = matrix(&before);
    assert!(!eligible);
    let p = t
        .post("/api/v1/supervision-logs", &token, log.clone())
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "supervisor_id");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&missing[0]),
        "{p} vs {missing:?}"
    );

    // Training recorded: eligible, and the log is accepted.
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    assert!(
        matrix(
            &t.get("/api/v1/supervisors?modality=li_cbt", &lead)
                .await
                .expect(200)
                .json()
        )
        .0
    );
    t.post("/api/v1/supervision-logs", &token, log.clone())
        .await
        .expect(201);
    // Credentials with the modality's body all expired: not eligible again.
    let cred = json!({"body": "BPS", "kind": "wpw_register", "membership_number": "W-1", "valid_from": in_days(-400), "expires_on": in_days(-30)});
    t.post(
        &format!("/api/v1/practitioners/{sup}/accreditations"),
        &t.admin,
        cred,
    )
    .await
    .expect(201);
    let (eligible, missing) = matrix(
        &t.get("/api/v1/supervisors?modality=li_cbt", &lead)
            .await
            .expect(200)
            .json(),
    );
    assert!(!eligible);
    assert_eq!(missing, ["their BPS credentials have expired"]);
    t.post("/api/v1/supervision-logs", &token, log)
        .await
        .problem(422);

    // A current sign-off of the application competence also qualifies, for its modality.
    let a_cbt = competence(&f, "A-CBT");
    t.post(
        &format!("/api/v1/practitioners/{sup}/competencies"),
        &lead,
        sign_off(&a_cbt, "met", Some(in_days(300))),
    )
    .await
    .expect(201);
    let cbt = t
        .get("/api/v1/supervisors?modality=cbt", &lead)
        .await
        .expect(200)
        .json();
    assert!(matrix(&cbt).0, "{cbt}");
    let all = t.get("/api/v1/supervisors", &lead).await.expect(200).json();
    assert_eq!(all["items"][0]["modalities"].as_array().unwrap().len(), 6);
    t.get("/api/v1/supervisors", &token).await.problem(403);
    t.get("/api/v1/supervisors?modality=astrology", &lead)
        .await
        .problem(422);

    // Supervisors are held to supervision of their supervision.
    let c = t
        .get(
            &format!("/api/v1/practitioners/{sup}/supervision-compliance"),
            &lead,
        )
        .await
        .expect(200)
        .json();
    assert!(
        c["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["supervision_type"] == "supervision_of_supervision"),
        "{c}"
    );
}

async fn admins_extend_frameworks_and_retire_competences(t: TestApp) {
    let s = t.service("Frameworks").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (who, _) = t.person(&s, "who@registry.test", &["practitioner"]).await;
    let new = json!({"code": "pwp-clinical", "title": "PWP clinical competences", "source": "Local adaptation of the national curriculum"});
    t.post("/api/v1/competency-frameworks", &lead, new.clone())
        .await
        .problem(403);
    let f = t
        .post("/api/v1/competency-frameworks", &t.admin, new.clone())
        .await
        .expect(201)
        .json();
    t.post("/api/v1/competency-frameworks", &t.admin, new)
        .await
        .problem(409);
    let fid = f["id"].as_str().unwrap();
    let c = t
        .post(
            &format!("/api/v1/competency-frameworks/{fid}/competences"),
            &t.admin,
            json!({"code": "P1", "domain": "assessment", "title": "Patient-centred assessment"}),
        )
        .await
        .expect(201)
        .json();
    let cid = c["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/practitioners/{who}/competencies"),
        &lead,
        sign_off(cid, "met", None),
    )
    .await
    .expect(201);
    t.patch(
        &format!("/api/v1/competences/{cid}"),
        &lead,
        json!({"retired": true}),
    )
    .await
    .problem(403);
    let retired = t
        .patch(
            &format!("/api/v1/competences/{cid}"),
            &t.admin,
            json!({"retired": true}),
        )
        .await
        .expect(200)
        .json();
    assert!(retired["retired_at"].is_string());
    let p = t
        .post(
            &format!("/api/v1/practitioners/{who}/competencies"),
            &lead,
            sign_off(cid, "met", None),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "competency_id");
    // Retired, never deleted: the history still shows it.
    let theirs = t
        .get(&format!("/api/v1/practitioners/{who}/competencies"), &lead)
        .await
        .expect(200)
        .json();
    assert!(theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["competency_id"] == json!(cid) && i["history"].as_array().unwrap().len() == 1));
    let g = t
        .get(&format!("/api/v1/competency-frameworks/{fid}"), &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(g["domains"][0]["competences"][0]["code"], "P1");
}

async fn a_sign_off_with_the_contracts_fields(t: TestApp) {
    let s = t.service("Contract").await;
    let f = framework(&t).await;
    let g3 = competence(&f, "G3");
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (sup, _) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    let body = json!({"competency_id": g3, "outcome": "met", "evidence": "Observed live", "review_due_on": in_days(180)});
    let a = t
        .post(
            &format!("/api/v1/practitioners/{sup}/competencies"),
            &lead,
            body,
        )
        .await
        .expect(201)
        .json();
    assert_eq!(a["evidence_method"], "unspecified");
    let list = t
        .get(&format!("/api/v1/practitioners/{sup}/competencies"), &lead)
        .await
        .expect(200)
        .json();
    assert!(list["next_cursor"].is_null());
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["competency_id"] == json!(g3))
        .unwrap();
    assert_eq!(
        (item["outcome"].clone(), item["assessed_by"].clone()),
        (json!("met"), a["assessed_by"].clone())
    );
    assert_eq!(item["assessed_on"], a["assessed_on"]);
    assert_eq!(item["review_due_on"], json!(in_days(180)));
}
