//! Workforce and representation reports.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    the_workforce_census_counts_wte_starters_leavers_and_turnover,
    representation_hides_small_groups_and_what_would_give_them_away,
    every_report_says_the_day_it_describes,
    reports_name_people_and_services_beside_their_ids,
);

async fn csv_of(t: &TestApp, path: &str, token: &str) -> (String, String) {
    let res = t
        .send(
            actix_web::test::TestRequest::get()
                .uri(path)
                .insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("accept", "text/csv")),
        )
        .await
        .expect(200);
    let disposition = res.header("content-disposition").unwrap();
    (disposition, res.text())
}

/// Names beside ids in the JSON and the CSV, and file names that say which service and day.
async fn reports_name_people_and_services_beside_their_ids(t: TestApp) {
    let day = today().to_string();
    let s = t.service("Northfield Talking Therapies").await;
    let (_, lead) = t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (me, token) = t.person(&s, "me@registry.test", &["practitioner"]).await;
    let cred = json!({"body": "BABCP", "kind": "accredited_practitioner", "membership_number": "N-1",
                      "valid_from": days_ago(30), "expires_on": (today() + Duration::days(300)).to_string()});
    let c = t
        .post(
            &format!("/api/v1/practitioners/{me}/accreditations"),
            &token,
            cred,
        )
        .await
        .expect(201)
        .json();
    t.patch(
        &format!("/api/v1/accreditations/{}", c["id"].as_str().unwrap()),
        &lead,
        json!({"verified": true, "verification_method": "register_lookup"}),
    )
    .await
    .expect(200);
    let rows = t
        .get("/api/v1/reports/accreditation", &lead)
        .await
        .expect(200)
        .json();
    let row = &rows["items"][0];
    assert_eq!(row["service_name"], "Northfield Talking Therapies");
    assert_eq!(row["verified_by_name"], "Person lead@registry.test");
    let (file, text) = csv_of(&t, "/api/v1/reports/accreditation", &lead).await;
    assert!(
        file.contains(&format!(
            "accreditation-northfield-talking-therapies-{day}.csv"
        )),
        "{file}"
    );
    let header = text.lines().next().unwrap();
    assert!(header.contains("service_id,service_name,"), "{header}");
    assert!(header.contains("verified_by,verified_by_name,"), "{header}");
    assert!(text.contains("Person lead@registry.test"), "{text}");
    let compliance = t
        .get("/api/v1/reports/supervision-compliance", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(
        compliance["items"][0]["service_name"],
        "Northfield Talking Therapies"
    );
    // An admin's report of every service says so; one of a service names it.
    let (file, _) = csv_of(&t, "/api/v1/reports/workforce", &t.admin).await;
    assert!(
        file.contains(&format!("workforce-all-services-{day}.csv")),
        "{file}"
    );
    let (file, _) = csv_of(
        &t,
        &format!("/api/v1/reports/supervision-compliance?service_id={s}"),
        &t.admin,
    )
    .await;
    assert!(
        file.contains(&format!(
            "supervision-compliance-northfield-talking-therapies-{day}.csv"
        )),
        "{file}"
    );
    let people = t
        .get("/api/v1/practitioners", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(
        people["items"][0]["service_name"],
        "Northfield Talking Therapies"
    );
}

/// Each report answers `as_of`, and its CSV's file name carries the day.
async fn every_report_says_the_day_it_describes(t: TestApp) {
    let day = today().to_string();
    for path in [
        "/api/v1/reports/supervision-compliance",
        "/api/v1/reports/accreditation",
        "/api/v1/reports/competencies",
        "/api/v1/reports/courses",
        "/api/v1/reports/workforce",
        "/api/v1/reports/representation",
    ] {
        let json = t.get(path, &t.admin).await.expect(200).json();
        assert_eq!(json["as_of"], day.as_str(), "{path}: {json}");
        let csv = t
            .send(
                actix_web::test::TestRequest::get()
                    .uri(path)
                    .insert_header(("authorization", format!("Bearer {}", t.admin)))
                    .insert_header(("accept", "text/csv")),
            )
            .await
            .expect(200);
        let disposition = csv.header("content-disposition").unwrap();
        assert!(
            disposition.contains(&format!("-{day}.csv")),
            "{path}: {disposition}"
        );
    }
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn days_ago(n: i64) -> String {
    (today() - Duration::days(n)).to_string()
}

/// Creates a practitioner with a role, stage, WTE and start date; returns their id.
async fn hire(
    t: &TestApp,
    service: &str,
    email: &str,
    role: &str,
    stage: &str,
    wte: f64,
    started_on: &str,
) -> String {
    let body = json!({"email": email, "full_name": format!("Person {email}"), "service_id": service,
                      "practitioner_role": role, "stage": stage, "wte": wte, "roles": ["practitioner"],
                      "started_on": started_on, "password": PASSWORD});
    t.post("/api/v1/practitioners", &t.admin, body)
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn row<'a>(report: &'a Value, role: &str, stage: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["practitioner_role"] == role && r["stage"] == stage)
        .unwrap_or_else(|| panic!("no {role}/{stage} row in {report}"))
}

async fn the_workforce_census_counts_wte_starters_leavers_and_turnover(t: TestApp) {
    let west = t.service("West").await;
    let east = t.service("East").await;
    // The lead is a qualified PWP who starts today (a starter).
    let (_, lead) = t
        .person(&west, "lead@registry.test", &["training_lead"])
        .await;
    hire(
        &t,
        &west,
        "a@registry.test",
        "pwp",
        "qualified",
        1.0,
        "2020-01-01",
    )
    .await;
    hire(
        &t,
        &west,
        "b@registry.test",
        "pwp",
        "qualified",
        0.6,
        "2020-01-01",
    )
    .await;
    hire(
        &t,
        &west,
        "c@registry.test",
        "pwp",
        "trainee",
        1.0,
        &days_ago(100),
    )
    .await;
    let d = hire(
        &t,
        &west,
        "d@registry.test",
        "cbt_therapist",
        "qualified",
        0.8,
        "2020-01-01",
    )
    .await;
    hire(
        &t,
        &east,
        "e@registry.test",
        "counsellor",
        "qualified",
        1.0,
        "2020-01-01",
    )
    .await;
    // D left a month ago.
    let left = t
        .patch(
            &format!("/api/v1/practitioners/{d}"),
            &t.admin,
            json!({"active": false, "left_on": days_ago(30)}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(left["left_on"], days_ago(30));

    let r = t
        .get("/api/v1/reports/workforce", &lead)
        .await
        .expect(200)
        .json();
    assert!(r["next_cursor"].is_null());
    assert_eq!(r["period"]["to"], today().to_string());
    assert!(
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["service_id"] == json!(west)),
        "a training lead sees their own service: {r}"
    );
    let q = row(&r, "pwp", "qualified");
    assert_eq!(q["modality"], "li_cbt");
    assert_eq!(q["service_name"], "West");
    assert_eq!(
        (q["headcount"].clone(), q["wte"].clone()),
        (json!(3), json!(2.6))
    );
    assert_eq!(
        (q["starters"].clone(), q["leavers"].clone()),
        (json!(1), json!(0))
    );
    let trainee = row(&r, "pwp", "trainee");
    assert_eq!(
        (trainee["headcount"].clone(), trainee["starters"].clone()),
        (json!(1), json!(1))
    );
    let cbt = row(&r, "cbt_therapist", "qualified");
    assert_eq!(cbt["modality"], "cbt");
    assert_eq!(
        (cbt["headcount"].clone(), cbt["headcount_at_start"].clone()),
        (json!(0), json!(1))
    );
    // One leaver over an average headcount of (1 + 0) / 2.
    assert_eq!(
        (cbt["leavers"].clone(), cbt["turnover_percent"].clone()),
        (json!(1), json!(200.0))
    );
    let totals = &r["totals"];
    assert_eq!(
        (totals["headcount"].clone(), totals["wte"].clone()),
        (json!(4), json!(3.6))
    );
    assert_eq!(
        (totals["starters"].clone(), totals["leavers"].clone()),
        (json!(2), json!(1))
    );
    // 1 leaver over (3 at the start + 4 now) / 2.
    assert_eq!(totals["turnover_percent"], json!(28.6));

    // A period that ended before D left: D in post, no leavers.
    let before = t
        .get(
            &format!(
                "/api/v1/reports/workforce?from=2025-01-01&to={}",
                days_ago(40)
            ),
            &lead,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(row(&before, "cbt_therapist", "qualified")["headcount"], 1);
    assert_eq!(before["totals"]["leavers"], 0);

    let all = t
        .get("/api/v1/reports/workforce", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(row(&all, "counsellor", "qualified")["service_name"], "East");
    let csv = t
        .send(
            actix_web::test::TestRequest::get()
                .uri("/api/v1/reports/workforce")
                .insert_header(("Authorization", format!("Bearer {lead}")))
                .insert_header(("Accept", "text/csv")),
        )
        .await
        .expect(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.text();
    assert!(
        text.starts_with("service_id,service_name,practitioner_role,modality,stage,headcount,wte")
    );
    assert!(
        text.contains(",West,pwp,li_cbt,qualified,3,2.6,2,1,0,"),
        "{text}"
    );

    // Refusals.
    t.get(
        &format!("/api/v1/reports/workforce?service_id={east}"),
        &lead,
    )
    .await
    .problem(403);
    let (_, pwp) = t
        .person(&west, "pwp@registry.test", &["practitioner"])
        .await;
    t.get("/api/v1/reports/workforce", &pwp).await.problem(403);
    let p = t
        .get(
            "/api/v1/reports/workforce?from=2026-12-01&to=2026-01-01",
            &lead,
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "from");
    t.patch(
        &format!("/api/v1/practitioners/{d}"),
        &t.admin,
        json!({"left_on": "2019-01-01"}),
    )
    .await
    .problem(422);
}

fn cell<'a>(r: &'a Value, service: &Value, dimension: &str, value: &str) -> Option<&'a Value> {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["service_id"] == *service && x["dimension"] == dimension && x["value"] == value)
}

async fn representation_hides_small_groups_and_what_would_give_them_away(t: TestApp) {
    let west = t.service("West").await;
    let east = t.service("East").await;
    let (lead_id, lead) = t
        .person(&west, "lead@registry.test", &["training_lead"])
        .await;
    let mut people = vec![(lead_id, lead.clone())];
    for i in 0..10 {
        people.push(
            t.person(&west, &format!("p{i}@registry.test"), &["practitioner"])
                .await,
        );
    }
    // 9 White British speaking English; 2 Indian speaking English and Gujarati.
    for (i, (id, token)) in people.iter().enumerate() {
        let (code, languages) = if i < 9 {
            ("A", json!(["English"]))
        } else {
            ("H", json!(["English", "Gujarati"]))
        };
        let interests = if i % 5 == 1 {
            json!(["Older people"])
        } else {
            json!([])
        };
        t.patch(
            &format!("/api/v1/practitioners/{id}"),
            token,
            json!({"ethnicity": code, "languages": languages, "specialist_interests": interests}),
        )
        .await
        .expect(200);
    }
    // Nobody else sees a person's languages any more than their ethnicity.
    let seen = t
        .get(&format!("/api/v1/practitioners/{}", people[9].0), &lead)
        .await
        .expect(200)
        .json();
    assert!(
        seen.get("languages").is_none() && seen.get("ethnicity").is_none(),
        "{seen}"
    );
    t.patch(
        &format!("/api/v1/practitioners/{}", people[9].0),
        &lead,
        json!({"languages": ["French"]}),
    )
    .await
    .problem(403);

    let r = t
        .get("/api/v1/reports/representation", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(r["suppression_threshold"], 5);
    let w = json!(west);
    assert_eq!(cell(&r, &w, "headcount", "all").unwrap()["count"], 11);
    let indian = cell(&r, &w, "ethnicity", "H").unwrap();
    assert!(
        indian["count"].is_null() && indian["suppressed"] == true,
        "{indian}"
    );
    let british = cell(&r, &w, "ethnicity", "A").unwrap();
    assert!(
        british["count"].is_null(),
        "11 - 9 would give the 2 away: {british}"
    );
    assert!(cell(&r, &w, "ethnic_group", "asian").unwrap()["count"].is_null());
    assert_eq!(cell(&r, &w, "language", "English").unwrap()["count"], 11);
    // Two Gujarati speakers in the whole registry: the language is not listed at all (a hidden
    // row would still say someone speaks it), only folded into "other languages", hidden too.
    assert!(cell(&r, &w, "language", "Gujarati").is_none());
    assert!(cell(&r, &w, "language", "other_languages").unwrap()["count"].is_null());
    assert_eq!(
        cell(&r, &w, "specialist_interest", "older people").unwrap()["count"],
        2,
        "interests are not special-category data"
    );
    // Nothing special-category between 1 and 4 is ever published, and no person is named.
    for x in r["items"].as_array().unwrap() {
        if ["ethnicity", "ethnic_group", "language"].contains(&x["dimension"].as_str().unwrap()) {
            let n = x["count"].as_i64();
            assert!(n.is_none() || n >= Some(5), "{x}");
        }
        assert!(x["service_id"] == w, "only the lead's service: {x}");
    }
    let text = r.to_string();
    for (id, _) in &people {
        assert!(!text.contains(id.as_str()));
    }

    // The same cells are hidden whoever asks, so views cannot be subtracted from each other.
    let admins_west = t
        .get(
            &format!("/api/v1/reports/representation?service_id={west}"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(admins_west["items"], r["items"]);
    // Admins also see the registry as a whole (service_id null), hidden alike.
    let all = t
        .get("/api/v1/reports/representation", &t.admin)
        .await
        .expect(200)
        .json();
    assert!(cell(&all, &Value::Null, "ethnicity", "H").unwrap()["count"].is_null());
    assert_eq!(
        cell(&all, &Value::Null, "headcount", "all").unwrap()["count"],
        11
    );
    let csv = t
        .send(
            actix_web::test::TestRequest::get()
                .uri("/api/v1/reports/representation")
                .insert_header(("Authorization", format!("Bearer {lead}")))
                .insert_header(("Accept", "text/csv")),
        )
        .await
        .expect(200)
        .text();
    assert!(
        csv.contains(",ethnicity,H,Asian or Asian British - Indian,,true\r\n"),
        "{csv}"
    );

    // Planning: who has an interest, any case.
    let listed = t
        .get(
            "/api/v1/practitioners?specialist_interest=OLDER%20PEOPLE",
            &lead,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    // Refusals.
    t.get(
        &format!("/api/v1/reports/representation?service_id={east}"),
        &lead,
    )
    .await
    .problem(403);
    t.get("/api/v1/reports/representation", &people[3].1)
        .await
        .problem(403);
}
