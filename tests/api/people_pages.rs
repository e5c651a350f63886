//! A training lead's people pages (`/people`, `/people/{id}`, `/people/new`, deactivation):
//! over the API's use cases, so another service's person is 404 and every problem of an
//! addition is shown with its field.

use crate::both;
use crate::dashboard::seed;
use crate::support::*;

both!(
    a_lead_finds_and_opens_their_people_only,
    a_lead_adds_a_person_with_every_problem_shown_first,
    a_lead_deactivates_a_person,
    the_courses_frameworks_and_supervisors_pages_read_the_api_use_cases,
    a_lead_edits_the_policy_table_with_every_problem_shown,
    a_lead_changes_a_persons_details,
    an_admin_adds_a_service,
    people_are_filtered_by_stage_compliance_and_credentials,
);

async fn id_of(t: &TestApp, email: &str) -> String {
    let q = email.split('@').next().unwrap_or_default();
    t.get(&format!("/api/v1/practitioners?q={q}"), &t.admin)
        .await
        .expect(200)
        .json()["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn a_lead_finds_and_opens_their_people_only(t: TestApp) {
    seed(&t).await;
    let (ana, cai) = (
        id_of(&t, "ana@registry.test").await,
        id_of(&t, "cai@registry.test").await,
    );
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let list = b.get("/people").await.expect(200).text();
    assert!(list.contains(&format!("href=\"/people/{ana}\"")), "{list}");
    assert!(
        !list.contains(&cai),
        "another service's person is not listed"
    );
    let found = b.get("/people?q=ben").await.expect(200).text();
    assert!(found.contains("Person ben@registry.test"));
    assert!(!found.contains("Person ana@registry.test"));
    let one = b.get(&format!("/people/{ana}")).await.expect(200).text();
    assert!(one.contains("<title>Person ana@registry.test"), "{one}");
    assert!(
        one.contains("WPW-1") && one.contains("Not verified yet"),
        "{one}"
    );
    assert!(one.contains("Supervision against the policy"));
    for section in [
        "Training",
        "Competences signed off",
        "CPD",
        "Recent supervision sessions",
    ] {
        assert!(
            one.contains(&format!(">{section}</h2>")),
            "{section}: {one}"
        );
    }
    b.get(&format!("/people/{cai}")).await.expect(404);
    b.get("/people/not-an-id").await.expect(404);
    // Their evidence pack, to view and to download; another service's is not found.
    assert!(one.contains(&format!("href=\"/people/{ana}/evidence/view?months=12\"")));
    let view = b
        .get(&format!("/people/{ana}/evidence/view?months=12"))
        .await
        .expect(200)
        .text();
    assert!(view.contains("Person ana@registry.test"), "{view}");
    let csv = b
        .get(&format!("/people/{ana}/evidence/download?months=12"))
        .await
        .expect(200);
    assert!(csv
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/csv")));
    b.get(&format!("/people/{cai}/evidence/view"))
        .await
        .expect(404);
    let p = t.sign_in("ana@registry.test", PASSWORD).await;
    p.get("/people").await.expect(404);
    p.get(&format!("/people/{ana}")).await.expect(404);
    p.get(&format!("/people/{ana}/evidence/view"))
        .await
        .expect(404);
}

async fn a_lead_adds_a_person_with_every_problem_shown_first(t: TestApp) {
    let (s, other, _) = seed(&t).await;
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let form = b.get("/people/new").await.expect(200).text();
    assert!(form.contains("name=\"email\"") && form.contains("name=\"roles\""));
    assert!(
        !form.contains("value=\"admin\""),
        "a lead cannot give the admin role"
    );
    assert!(
        !form.contains(&other),
        "a lead adds to their own service only"
    );
    let before = t.count("users");
    let again = b
        .post(
            "/people",
            &[
                ("email", "not an email"),
                ("full_name", ""),
                ("service_id", &s),
                ("practitioner_role", "pwp"),
                ("wte", "3"),
                ("roles", "practitioner"),
            ],
        )
        .await
        .expect(422)
        .text();
    assert!(again.contains("There is a problem"));
    for field in ["email", "full_name", "wte"] {
        assert!(
            again.contains(&format!("href=\"#{field}\"")),
            "{field}: {again}"
        );
    }
    assert_eq!(t.count("users"), before, "nothing written");
    let done = b
        .post(
            "/people",
            &[
                ("email", "dee@registry.test"),
                ("full_name", "Dee New"),
                ("service_id", &s),
                ("practitioner_role", "pwp"),
                ("stage", "trainee"),
                ("wte", "0,8"),
                ("roles", "practitioner"),
                ("roles", "supervisor"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(
        done.header("location").as_deref(),
        Some("/people?done=added")
    );
    let dee = id_of(&t, "dee@registry.test").await;
    let person = t
        .get(&format!("/api/v1/practitioners/{dee}"), &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(person["wte"], 0.8);
    let mut roles: Vec<&str> = person["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    roles.sort_unstable();
    assert_eq!(roles, vec!["practitioner", "supervisor"]);
    let mail = t.smtp.wait_for(1).await;
    assert!(mail
        .iter()
        .any(|m| m.to.iter().any(|to| to == "dee@registry.test")));
    // A taken email, and another service: refused with the field named.
    b.post(
        "/people",
        &[
            ("email", "dee@registry.test"),
            ("full_name", "Dee Again"),
            ("service_id", &s),
            ("practitioner_role", "pwp"),
            ("stage", "trainee"),
            ("wte", "1"),
            ("roles", "practitioner"),
        ],
    )
    .await
    .expect(409);
    b.post(
        "/people",
        &[
            ("email", "eve@registry.test"),
            ("full_name", "Eve Elsewhere"),
            ("service_id", &other),
            ("practitioner_role", "pwp"),
            ("stage", "trainee"),
            ("wte", "1"),
            ("roles", "practitioner"),
        ],
    )
    .await
    .expect(403);
}

async fn a_lead_deactivates_a_person(t: TestApp) {
    seed(&t).await;
    let (ana, cai) = (
        id_of(&t, "ana@registry.test").await,
        id_of(&t, "cai@registry.test").await,
    );
    let ana_token = t.login("ana@registry.test", PASSWORD).await;
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    b.post_raw(&format!("/people/{ana}/deactivate"), &[])
        .await
        .expect(403);
    b.post(&format!("/people/{cai}/deactivate"), &[])
        .await
        .expect(404);
    let done = b
        .post(&format!("/people/{ana}/deactivate"), &[])
        .await
        .expect(303);
    assert_eq!(
        done.header("location"),
        Some(format!("/people/{ana}?done=deactivated"))
    );
    let page = b
        .get(&format!("/people/{ana}?done=deactivated"))
        .await
        .expect(200)
        .text();
    assert!(page.contains("They are deactivated"));
    assert!(
        !page.contains("/deactivate\""),
        "no second deactivation form"
    );
    t.get("/api/v1/me", &ana_token).await.expect(401);
}

async fn the_courses_frameworks_and_supervisors_pages_read_the_api_use_cases(t: TestApp) {
    let (s, _, _) = seed(&t).await;
    let (sup, _) = t.person(&s, "sup@registry.test", &["supervisor"]).await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let courses = b.get("/courses").await.expect(200).text();
    assert!(courses.contains("Supervising li_cbt"), "{courses}");
    let frameworks = b.get("/frameworks").await.expect(200).text();
    assert!(
        frameworks.contains("<th scope=\"col\">Competence</th>"),
        "{frameworks}"
    );
    let supervisors = b.get("/supervisors").await.expect(200).text();
    assert!(
        supervisors.contains("Person sup@registry.test"),
        "{supervisors}"
    );
    let p = t.sign_in("ana@registry.test", PASSWORD).await;
    for page in ["/courses", "/frameworks", "/supervisors"] {
        p.get(page).await.expect(404);
    }
}

/// The service's policy as the form posts it: every rule a row, as the page shows them.
fn policy_form(rules: &serde_json::Value) -> Vec<(String, String)> {
    let rules = rules.as_array().expect("rules");
    let mut out = vec![("count".to_string(), rules.len().to_string())];
    for (i, r) in rules.iter().enumerate() {
        let f = |k: &str| format!("rules-{i}-{k}");
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        for k in [
            "practitioner_role",
            "stage",
            "supervision_type",
            "min_minutes",
            "window_days",
            "max_group_size",
            "source",
        ] {
            out.push((f(k), text(&r[k])));
        }
        for fmt in r["formats"].as_array().expect("formats") {
            out.push((f("formats"), text(fmt)));
        }
    }
    out
}

async fn a_lead_edits_the_policy_table_with_every_problem_shown(t: TestApp) {
    let (s, _, _) = seed(&t).await;
    let lead = t.login("lead@registry.test", PASSWORD).await;
    let current = t
        .get(&format!("/api/v1/supervision-policy?service_id={s}"), &lead)
        .await
        .expect(200)
        .json();
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let page = b.get("/policy").await.expect(200).text();
    assert!(
        page.contains("Save the policy") && page.contains("rules-0-min_minutes"),
        "{page}"
    );
    let mut form = policy_form(&current["rules"]);
    let set = |form: &mut Vec<(String, String)>, k: &str, v: &str| {
        for (name, value) in form.iter_mut() {
            if name == k {
                *value = v.to_string();
            }
        }
    };
    // Two problems at once: a cell that is not a number, and one the policy refuses.
    set(&mut form, "rules-0-min_minutes", "lots");
    set(&mut form, "rules-1-window_days", "900");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let again = b.post("/policy", &fields).await.expect(422).text();
    assert!(again.contains("href=\"#rules-0-min_minutes\""), "{again}");
    assert!(again.contains("href=\"#rules-1-window_days\""), "{again}");
    assert!(again.contains("value=\"lots\""), "what was typed is kept");
    let unchanged = t
        .get(&format!("/api/v1/supervision-policy?service_id={s}"), &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(unchanged, current, "nothing saved");
    // Corrected: row 1 asks for more minutes; it becomes the service's own rule.
    let mut form = policy_form(&current["rules"]);
    let more = (current["rules"][0]["min_minutes"]
        .as_i64()
        .expect("minutes")
        + 30)
        .to_string();
    set(&mut form, "rules-0-min_minutes", &more);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let done = b.post("/policy", &fields).await.expect(303);
    assert_eq!(done.header("location").as_deref(), Some("/policy?done=1"));
    let after = t
        .get(&format!("/api/v1/supervision-policy?service_id={s}"), &lead)
        .await
        .expect(200)
        .json();
    let own: Vec<&serde_json::Value> = after["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["scope"] == "service")
        .collect();
    assert_eq!(own.len(), 1, "{after}");
    assert_eq!(own[0]["min_minutes"].to_string(), more);
    let p = t.sign_in("ana@registry.test", PASSWORD).await;
    p.get("/policy").await.expect(404);
}

async fn a_lead_changes_a_persons_details(t: TestApp) {
    seed(&t).await;
    let (ana, cai) = (
        id_of(&t, "ana@registry.test").await,
        id_of(&t, "cai@registry.test").await,
    );
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let form = b
        .get(&format!("/people/{ana}/edit"))
        .await
        .expect(200)
        .text();
    assert!(
        form.contains("value=\"Person ana@registry.test\""),
        "{form}"
    );
    assert!(form.contains("Save the changes"));
    b.get(&format!("/people/{cai}/edit")).await.expect(404);
    let fields = |wte: &'static str| {
        vec![
            ("email", "ana@registry.test"),
            ("full_name", "Ana Silva"),
            ("practitioner_role", "pwp"),
            ("stage", "trainee"),
            ("wte", wte),
            ("roles", "practitioner"),
        ]
    };
    let again = b
        .post(&format!("/people/{ana}"), &fields("lots"))
        .await
        .expect(422)
        .text();
    assert!(again.contains("href=\"#wte\""), "{again}");
    let done = b
        .post(&format!("/people/{ana}"), &fields("0.6"))
        .await
        .expect(303);
    assert_eq!(
        done.header("location"),
        Some(format!("/people/{ana}?done=changed"))
    );
    let person = t
        .get(&format!("/api/v1/practitioners/{ana}"), &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(person["full_name"], "Ana Silva");
    assert_eq!(person["stage"], "trainee");
    assert_eq!(person["wte"], 0.6);
    b.post(&format!("/people/{cai}"), &fields("0.6"))
        .await
        .expect(404);
}

async fn an_admin_adds_a_service(t: TestApp) {
    seed(&t).await;
    let b = t.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let home = b.get("/").await.expect(200).text();
    assert!(
        home.contains("href=\"/services\""),
        "admins see the services link"
    );
    let page = b.get("/services").await.expect(200).text();
    assert!(page.contains("Northfield") && page.contains("Southgate"));
    let again = b
        .post(
            "/services",
            &[("name", ""), ("provider", ""), ("contact_email", "nope")],
        )
        .await
        .expect(422)
        .text();
    for field in ["name", "provider", "contact_email"] {
        assert!(
            again.contains(&format!("href=\"#{field}\"")),
            "{field}: {again}"
        );
    }
    let done = b
        .post(
            "/services",
            &[("name", "Eastmoor"), ("provider", "Eastmoor NHS Trust")],
        )
        .await
        .expect(303);
    assert_eq!(done.header("location").as_deref(), Some("/services?done=1"));
    assert!(b
        .get("/services?done=1")
        .await
        .expect(200)
        .text()
        .contains("Eastmoor"));
    let lead = t.sign_in("lead@registry.test", PASSWORD).await;
    assert!(!lead
        .get("/")
        .await
        .expect(200)
        .text()
        .contains("href=\"/services\""));
    lead.get("/services").await.expect(404);
    lead.post("/services", &[("name", "Mine"), ("provider", "P")])
        .await
        .expect(404);
}

async fn people_are_filtered_by_stage_compliance_and_credentials(t: TestApp) {
    seed(&t).await;
    let lead = t.login("lead@registry.test", PASSWORD).await;
    let names = |v: serde_json::Value| -> Vec<String> {
        let mut n: Vec<String> = v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["email"].as_str().expect("email").to_string())
            .collect();
        n.sort();
        n
    };
    let list = |q: &'static str| {
        let lead = lead.clone();
        let t = &t;
        async move {
            names(
                t.get(&format!("/api/v1/practitioners?{q}"), &lead)
                    .await
                    .expect(200)
                    .json(),
            )
        }
    };
    assert_eq!(
        list("credential_status=pending_verification").await,
        vec!["ana@registry.test"]
    );
    assert_eq!(
        list("credential_status=expiring").await,
        vec!["ben@registry.test"]
    );
    assert!(list("credential_status=active").await.is_empty());
    assert!(list("stage=trainee").await.is_empty());
    assert_eq!(list("stage=qualified").await.len(), 3);
    let bad = t
        .get(
            "/api/v1/practitioners?stage=senior&credential_status=lost",
            &lead,
        )
        .await
        .problem(422);
    assert_eq!(error_fields(&bad), vec!["stage", "credential_status"]);
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    // By supervision (the page): everyone here started today, so each type is due soon.
    let due = b
        .get("/people?compliance_status=due_soon")
        .await
        .expect(200)
        .text();
    for who in ["ana", "ben", "lead"] {
        assert!(
            due.contains(&format!("Person {who}@registry.test")),
            "{who}: {due}"
        );
    }
    let overdue = b
        .get("/people?compliance_status=overdue")
        .await
        .expect(200)
        .text();
    assert!(overdue.contains("Nobody matches"), "{overdue}");
    b.get("/people?compliance_status=late").await.expect(422);
    let page = b
        .get("/people?credential_status=expiring")
        .await
        .expect(200)
        .text();
    assert!(
        page.contains("Person ben@registry.test") && !page.contains("Person ana@registry.test"),
        "{page}"
    );
    assert!(page.contains("<option value=\"expiring\" selected>"));
}
