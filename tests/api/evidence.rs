//! Evidence packs for re-accreditation.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    an_evidence_pack_matches_a_year_of_what_was_entered,
    evidence_packs_are_for_the_person_their_supervisors_and_leads,
);

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn days_ago(n: i64) -> String {
    (today() - Duration::days(n)).to_string()
}

struct Setup {
    pwp: String,
    pwp_token: String,
    sup_token: String,
    lead: String,
    west: String,
}

/// A PWP with a supervisor and a training lead in West.
async fn setup(t: &TestApp) -> Setup {
    let west = t.service("West").await;
    let (_, lead) = t
        .person(&west, "lead@registry.test", &["training_lead"])
        .await;
    let (sup, sup_token) = t.person(&west, "sup@registry.test", &["supervisor"]).await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let (pwp, pwp_token) = t
        .person(&west, "pwp@registry.test", &["practitioner"])
        .await;
    Setup {
        pwp,
        pwp_token,
        sup_token,
        lead,
        west,
    }
}

async fn log(t: &TestApp, s: &Setup, sup_id: &str, held_on: &str, minutes: i64) -> String {
    let body = json!({"supervisor_id": sup_id, "held_on": held_on, "duration_minutes": minutes,
                      "supervision_type": "case_management", "format": "individual", "cases_discussed": 8});
    t.post("/api/v1/supervision-logs", &s.pwp_token, body)
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn me(t: &TestApp, token: &str) -> String {
    t.get("/api/v1/me", token).await.expect(200).json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn an_evidence_pack_matches_a_year_of_what_was_entered(t: TestApp) {
    let s = setup(&t).await;
    let sup = me(&t, &s.sup_token).await;
    t.patch(
        &format!("/api/v1/practitioners/{}", s.pwp),
        &t.admin,
        json!({"started_on": "2020-01-06"}),
    )
    .await
    .expect(200);
    // A session every 30 days for a year, signed off; one more waiting; one rejected.
    let mut minutes_signed = 0;
    for k in 0..12 {
        let minutes = 60 + 5 * k;
        let id = log(&t, &s, &sup, &days_ago(30 * k), minutes).await;
        t.post(
            &format!("/api/v1/supervision-logs/{id}/sign-off"),
            &s.sup_token,
            json!({}),
        )
        .await
        .expect(200);
        minutes_signed += minutes;
    }
    log(&t, &s, &sup, &days_ago(3), 45).await;
    let rejected = log(&t, &s, &sup, &days_ago(4), 45).await;
    t.post(
        &format!("/api/v1/supervision-logs/{rejected}/reject"),
        &s.sup_token,
        json!({"reason": "wrong date"}),
    )
    .await
    .expect(200);
    // A log from before the period.
    let old = log(&t, &s, &sup, &days_ago(400), 60).await;
    t.post(
        &format!("/api/v1/supervision-logs/{old}/sign-off"),
        &s.sup_token,
        json!({}),
    )
    .await
    .expect(200);

    // Five CPD activities with reflections, three CBT-related; one from two years ago.
    for k in 0..5 {
        let title = if k == 0 {
            "Workshop <script>alert(1)</script>".to_string()
        } else {
            format!("Activity {k}")
        };
        t.post(
            &format!("/api/v1/practitioners/{}/cpd", s.pwp),
            &s.pwp_token,
            json!({"title": title, "held_on": days_ago(20 + 60 * k), "hours": 2.5, "category": "workshop",
                   "cbt_related": k < 3, "reflective_statement": format!("What I learnt {k}")}),
        )
        .await
        .expect(201);
    }
    t.post(
        &format!("/api/v1/practitioners/{}/cpd", s.pwp),
        &s.pwp_token,
        json!({"title": "Old", "held_on": days_ago(730), "hours": 1.0, "category": "reading",
               "cbt_related": true, "reflective_statement": "old"}),
    )
    .await
    .expect(201);

    // A BPS register credential, verified by the lead.
    let cred = t
        .post(
            &format!("/api/v1/practitioners/{}/accreditations", s.pwp),
            &s.pwp_token,
            json!({"body": "BPS", "kind": "wpw_register", "membership_number": "WPW-1234",
                   "valid_from": days_ago(200), "expires_on": (today() + Duration::days(165)).to_string()}),
        )
        .await
        .expect(201)
        .json();
    t.patch(
        &format!("/api/v1/accreditations/{}", cred["id"].as_str().unwrap()),
        &s.lead,
        json!({"verified": true, "verification_method": "register_lookup", "verification_reference": "BPS register"}),
    )
    .await
    .expect(200);

    // A competence signed off by the lead.
    let competency = t.any_competence().await;
    t.post(
        &format!("/api/v1/practitioners/{}/competencies", s.pwp),
        &s.lead,
        json!({"competency_id": competency, "outcome": "met", "evidence": "Observed session",
               "review_due_on": (today() + Duration::days(300)).to_string()}),
    )
    .await
    .expect(201);

    let path = format!(
        "/api/v1/practitioners/{}/evidence-pack?body=BPS&months=12",
        s.pwp
    );
    let p = t.get(&path, &s.pwp_token).await.expect(200).json();
    assert_eq!(p["body"]["code"], "BPS");
    assert_eq!(p["months"], 12);
    assert_eq!(p["to"], today().to_string());
    assert_eq!(
        p["from"],
        today()
            .checked_sub_months(chrono::Months::new(12))
            .unwrap()
            .to_string(),
        "a session held exactly a year ago is in"
    );
    let sup_section = &p["supervision"];
    assert_eq!(
        sup_section["total_sessions"], 12,
        "signed off, in the period"
    );
    assert_eq!(sup_section["total_minutes"], minutes_signed);
    assert_eq!(sup_section["awaiting_sign_off"], 1);
    let sessions = sup_section["sessions"].as_array().unwrap();
    assert_eq!(sessions[0]["held_on"], days_ago(330), "oldest first");
    assert!(sessions
        .iter()
        .all(|x| x["supervisor_name"] == "Person sup@registry.test"));
    assert!(sessions.iter().all(|x| x["signed_off_at"].is_string()));
    let monthly = sup_section["monthly"].as_array().unwrap();
    assert_eq!(
        monthly.len(),
        13,
        "every month from the first day's to today's"
    );
    let month_sum: i64 = monthly.iter().map(|m| m["minutes"].as_i64().unwrap()).sum();
    assert_eq!(month_sum, minutes_signed);
    let empty: Vec<&Value> = monthly
        .iter()
        .filter(|m| m["sessions"] == 0)
        .map(|m| &m["month"])
        .collect();
    assert_eq!(
        sup_section["months_without_supervision"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        empty
    );

    let cpd = &p["cpd"];
    assert_eq!(
        cpd["activities"].as_array().unwrap().len(),
        5,
        "the old one is outside the period"
    );
    assert_eq!(cpd["total_hours"], 12.5);
    assert_eq!(
        cpd["activities"][4]["reflective_statement"],
        "What I learnt 0"
    );
    assert_eq!(cpd["rule"]["min_cbt_related"], 3);
    assert_eq!(cpd["check"]["met"], true, "{cpd}");

    assert_eq!(p["competences"].as_array().unwrap().len(), 1);
    assert_eq!(p["competences"][0]["outcome"], "met");
    assert_eq!(
        p["competences"][0]["assessed_by_name"],
        "Person lead@registry.test"
    );
    let creds = p["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0]["membership_number"], "WPW-1234");
    assert_eq!(creds[0]["verification_method"], "register_lookup");
    assert_eq!(creds[0]["verified_by_name"], "Person lead@registry.test");

    // The default body is the one of the person's modality (BPS for a PWP).
    let default = t
        .get(
            &format!("/api/v1/practitioners/{}/evidence-pack", s.pwp),
            &s.pwp_token,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(default["body"]["code"], "BPS");

    let ask = |accept: &'static str| {
        actix_web::test::TestRequest::get()
            .uri(&path)
            .insert_header(("Authorization", format!("Bearer {}", s.pwp_token)))
            .insert_header(("Accept", accept))
    };
    let csv = t.send(ask("text/csv")).await.expect(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.text();
    let count = |section: &str| {
        text.lines()
            .filter(|l| l.starts_with(&format!("{section},")))
            .count()
    };
    assert_eq!(count("supervision"), 12);
    assert_eq!(count("supervision_month"), 13);
    assert_eq!(count("cpd"), 5);
    assert_eq!(count("cpd_check"), 1);
    assert_eq!(count("competence"), 1);
    assert_eq!(count("credential"), 1);

    let html = t.send(ask("text/html")).await.expect(200);
    assert!(html
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let page = html.text();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("WPW-1234") && page.contains("What I learnt 3"));
    assert!(!page.contains("<script>"), "text is escaped");
    assert!(page.contains("&lt;script&gt;"));
}

async fn evidence_packs_are_for_the_person_their_supervisors_and_leads(t: TestApp) {
    let s = setup(&t).await;
    let sup = me(&t, &s.sup_token).await;
    log(&t, &s, &sup, &days_ago(10), 60).await;
    let path = format!("/api/v1/practitioners/{}/evidence-pack", s.pwp);
    t.get(&path, &s.pwp_token).await.expect(200);
    t.get(&path, &s.sup_token).await.expect(200);
    t.get(&path, &s.lead).await.expect(200);
    t.get(&path, &t.admin).await.expect(200);
    // A colleague, a supervisor they never named, another service's lead: as if it did not exist.
    let (_, colleague) = t
        .person(&s.west, "colleague@registry.test", &["practitioner"])
        .await;
    t.get(&path, &colleague).await.problem(404);
    let (_, other_sup) = t
        .person(&s.west, "other-sup@registry.test", &["supervisor"])
        .await;
    t.get(&path, &other_sup).await.problem(404);
    let east = t.service("East").await;
    let (_, east_lead) = t
        .person(&east, "east-lead@registry.test", &["training_lead"])
        .await;
    t.get(&path, &east_lead).await.problem(404);
    // Bad input.
    let p = t
        .get(&format!("{path}?months=0"), &s.pwp_token)
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "months");
    let p = t
        .get(&format!("{path}?body=NOPE"), &s.pwp_token)
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "body");
}
