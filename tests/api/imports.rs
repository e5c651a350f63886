//! Onboarding from a staff list: `POST /api/v1/imports/practitioners`, every bad input, all or
//! nothing, idempotency by email, a lead's own service only.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::Value;

use crate::both;
use crate::support::*;

both!(
    a_staff_list_is_imported_once_and_a_changed_row_updates,
    a_dry_run_reports_and_writes_nothing,
    every_problem_is_listed_and_nothing_is_written,
    files_that_cannot_be_read_are_refused_plainly,
    leads_import_into_their_own_service_only,
    formula_cells_are_stored_as_text_and_neutralised_on_export,
    an_esr_extract_imports_through_a_mapping,
);

const PATH: &str = "/api/v1/imports/practitioners";

async fn upload(t: &TestApp, token: &str, query: &str, content_type: &str, body: Vec<u8>) -> Res {
    t.send(
        TestRequest::default()
            .method(Method::POST)
            .uri(&format!("{PATH}{query}"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("content-type", content_type.to_string()))
            .set_payload(body),
    )
    .await
}

async fn csv(t: &TestApp, token: &str, query: &str, body: &str) -> Res {
    upload(t, token, query, "text/csv", body.as_bytes().to_vec()).await
}

/// Waits for the invitations an import sends after it commits, so none is cut off mid-send
/// when the test's runtime stops.
async fn invitations_sent(t: &TestApp, n: usize) {
    assert_eq!(t.smtp.wait_for(n).await.len(), n);
}

fn problems(v: &Value) -> Vec<(Option<u64>, String)> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64(), e["field"].as_str().unwrap().to_string()))
        .collect()
}

fn staff_list(service: &str) -> String {
    format!(
        "email,full_name,practitioner_role,stage,wte,started_on,service,roles\r\n\
         ana@registry.test,Ana Silva,pwp,trainee,1.0,2026-09-01,{service},practitioner\r\n\
         ben@registry.test,Ben Okafor,High Intensity Therapist,qualified,0.8,01/03/2025,{service},practitioner;supervisor\r\n\
         cat@registry.test,Cat Jones,,,,,{service},training_lead\r\n"
    )
}

async fn a_staff_list_is_imported_once_and_a_changed_row_updates(t: TestApp) {
    let s = t.service("Northfield Talking Therapies").await;
    let list = staff_list("northfield talking therapies");
    let first = csv(&t, &t.admin, "", &list).await.expect(200).json();
    assert_eq!(
        (
            first["created"].as_u64(),
            first["updated"].as_u64(),
            first["unchanged"].as_u64()
        ),
        (Some(3), Some(0), Some(0)),
        "{first}"
    );
    assert_eq!(first["errors"], serde_json::json!([]));
    assert_eq!(t.count(&format!("users WHERE service_id = '{s}'")), 3);
    assert_eq!(t.count("users WHERE email_lower = 'ben@registry.test' AND practitioner_role = 'cbt_therapist' AND started_on = '2025-03-01'"), 1);
    assert_eq!(
        t.count(&format!("audit_events WHERE entity_type = 'practitioner' AND action = 'create' AND service_id = '{s}'")),
        3
    );
    assert_eq!(t.count("audit_events WHERE entity_type = 'import'"), 1);
    // Invitations are queued in the outbox and sent after the import commits.
    assert_eq!(t.count("deliveries WHERE invitation_id IS NOT NULL"), 3);
    let mail = t.smtp.wait_for(3).await;
    assert_eq!(mail.len(), 3);
    // The same file again changes nothing.
    let events = t.count("audit_events");
    let again = csv(&t, &t.admin, "", &list).await.expect(200).json();
    assert_eq!(
        (
            again["created"].as_u64(),
            again["updated"].as_u64(),
            again["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(3)),
        "{again}"
    );
    assert_eq!(
        t.count("audit_events"),
        events + 1,
        "only the import itself is recorded"
    );
    assert_eq!(t.count("deliveries WHERE invitation_id IS NOT NULL"), 3);
    // A changed row updates that person; a blank cell leaves the field as it is; emails match
    // whatever their case.
    let changed = list
        .replace(
            "ben@registry.test,Ben Okafor,High Intensity Therapist,qualified,0.8",
            "BEN@registry.test,Ben Okafor,High Intensity Therapist,qualified,0.6",
        )
        .replace(
            "Ana Silva,pwp,trainee,1.0,2026-09-01",
            "Ana Silva,pwp,trainee,,",
        );
    let third = csv(&t, &t.admin, "", &changed).await.expect(200).json();
    assert_eq!(
        (
            third["created"].as_u64(),
            third["updated"].as_u64(),
            third["unchanged"].as_u64()
        ),
        (Some(0), Some(1), Some(2)),
        "{third}"
    );
    assert_eq!(
        t.count("users WHERE email_lower = 'ben@registry.test' AND wte = 0.6"),
        1
    );
    assert_eq!(
        t.count("users WHERE email_lower = 'ana@registry.test' AND wte = 1.0"),
        1
    );
    assert_eq!(
        t.count("audit_events WHERE entity_type = 'practitioner' AND action = 'update'"),
        1
    );
}

async fn a_dry_run_reports_and_writes_nothing(t: TestApp) {
    let s = t.service("Dry").await;
    let before = t.count("users");
    let r = csv(
        &t,
        &t.admin,
        &format!("?dry_run=true&service_id={s}"),
        "Email;Name;Role;Stage;WTE\nd@registry.test;Dee;pwp;qualified;0,5\n",
    )
    .await
    .expect(200)
    .json();
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["created"], 1, "{r}");
    assert_eq!(r["rows"][0]["action"], "create");
    assert_eq!(t.count("users"), before);
    assert_eq!(t.count("audit_events WHERE entity_type = 'import'"), 0);
    // A dry run with problems answers 200 too: the report is what was asked for.
    let r = csv(
        &t,
        &t.admin,
        "?dry_run=true",
        "email,full_name\nd@registry.test,Dee\n",
    )
    .await
    .expect(200)
    .json();
    assert_eq!(problems(&r), [(Some(2), "service".to_string())], "{r}");
}

async fn every_problem_is_listed_and_nothing_is_written(t: TestApp) {
    let s = t.service("Errors").await;
    t.person(&s, "gone@registry.test", &["practitioner"]).await;
    t.sql("UPDATE users SET active = false WHERE email_lower = 'gone@registry.test'");
    let before = t.count("users");
    let file = "email,full_name,practitioner_role,stage,wte,started_on,roles\n\
                ok@registry.test,Fine Person,pwp,qualified,1,2026-01-05,practitioner\n\
                ok@registry.test,Twice,pwp,qualified,1,,\n\
                ,No Email,pwp,qualified,1,,\n\
                bad@registry.test,Bad Cells,nurse,senior,2,5 Jan 2026,boss\n\
                half@registry.test,Half,pwp,,,,\n\
                not-an-email,Who,pwp,qualified,1,,\n\
                gone@registry.test,Gone,pwp,qualified,1,,\n";
    let p = csv(&t, &t.admin, &format!("?service_id={s}"), file)
        .await
        .problem(422);
    assert_eq!(p["created"], 0);
    let found = problems(&p);
    for expected in [
        (3, "email"),
        (4, "email"),
        (5, "practitioner_role"),
        (5, "stage"),
        (5, "wte"),
        (5, "started_on"),
        (5, "roles"),
        (6, "stage"),
        (6, "wte"),
        (7, "email"),
        (8, "email"),
    ] {
        assert!(
            found.contains(&(Some(expected.0), expected.1.to_string())),
            "{expected:?} missing from {p}"
        );
    }
    assert!(!found.iter().any(|f| f.0 == Some(2)), "row 2 is fine: {p}");
    let dup = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["row"] == 3)
        .unwrap();
    assert_eq!(dup["column"], "email");
    assert!(dup["message"].as_str().unwrap().contains("row 2"), "{dup}");
    assert_eq!(t.count("users"), before, "nothing written");
    assert_eq!(t.count("deliveries WHERE invitation_id IS NOT NULL"), 0);
}

async fn files_that_cannot_be_read_are_refused_plainly(t: TestApp) {
    let s = t.service("Files").await;
    let q = format!("?service_id={s}");
    let only = |v: &Value| problems(v).into_iter().map(|p| p.1).collect::<Vec<_>>();
    let p = csv(&t, &t.admin, &q, "").await.problem(422);
    assert_eq!(only(&p), ["file"]);
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("empty"));
    let p = csv(&t, &t.admin, &q, "email,full_name\n")
        .await
        .problem(422);
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no people"));
    let p = csv(&t, &t.admin, &q, "name,wte\nA,1\n").await.problem(422);
    assert_eq!(only(&p), ["email"], "{p}");
    let p = upload(
        &t,
        &t.admin,
        &q,
        "text/csv",
        b"email,full_name\na@registry.test,Zo\xEB\n".to_vec(),
    )
    .await
    .problem(422);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8"),
        "{p}"
    );
    // A byte-order mark (as Excel writes "CSV UTF-8") is fine.
    let r = csv(
        &t,
        &t.admin,
        &format!("{q}&dry_run=true"),
        "\u{feff}email,full_name,roles\nz@registry.test,Zoë,training_lead\n",
    )
    .await
    .expect(200)
    .json();
    assert_eq!(r["created"], 1, "{r}");
    // Too large: 413 before it is read whole.
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    upload(&t, &t.admin, &q, "text/csv", big).await.problem(413);
    upload(&t, &t.admin, &q, "application/json", b"{}".to_vec())
        .await
        .problem(415);
    let p = csv(
        &t,
        &t.admin,
        &format!("{q}&mapping=nope"),
        "email,full_name\na@registry.test,A\n",
    )
    .await
    .problem(422);
    assert_eq!(error_fields(&p), ["mapping"]);
    // The form upload the pages send: a `file` part.
    let boundary = "XyZboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"staff.csv\"\r\nContent-Type: text/csv\r\n\r\n\
         email,full_name,roles\r\nm@registry.test,Em,training_lead\r\n--{boundary}--\r\n"
    );
    let r = upload(
        &t,
        &t.admin,
        &q,
        &format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(r["created"], 1, "{r}");
    assert_eq!(t.count("users WHERE email_lower = 'm@registry.test'"), 1);
    invitations_sent(&t, 1).await;
}

async fn leads_import_into_their_own_service_only(t: TestApp) {
    let mine = t.service("Mine").await;
    let other = t.service("Other").await;
    let (_, lead) = t
        .person(&mine, "lead@registry.test", &["training_lead"])
        .await;
    let (_, supervisor) = t.person(&mine, "sup@registry.test", &["supervisor"]).await;
    t.person(&other, "theirs@registry.test", &["practitioner"])
        .await;
    let before = t.count("users");
    csv(&t, &supervisor, "", "email,full_name\na@registry.test,A\n")
        .await
        .problem(403);
    csv(
        &t,
        &lead,
        &format!("?service_id={other}"),
        "email,full_name\na@registry.test,A\n",
    )
    .await
    .problem(403);
    let p = csv(&t, &lead, "", "email,full_name,service,roles\na@registry.test,A,Other,training_lead\ntheirs@registry.test,T,,\nadm@registry.test,Adm,,admin\n").await.problem(422);
    assert_eq!(
        problems(&p),
        [
            (Some(2), "service".into()),
            (Some(3), "email".into()),
            (Some(4), "roles".into())
        ],
        "{p}"
    );
    assert_eq!(t.count("users"), before);
    // With no service column, rows go to the lead's own service.
    let r = csv(
        &t,
        &lead,
        "",
        "email,full_name,roles\nnew@registry.test,New,training_lead\n",
    )
    .await
    .expect(200)
    .json();
    assert_eq!(r["created"], 1);
    assert_eq!(
        t.count(&format!(
            "users WHERE email_lower = 'new@registry.test' AND service_id = '{mine}'"
        )),
        1
    );
    invitations_sent(&t, 1).await;
}

async fn formula_cells_are_stored_as_text_and_neutralised_on_export(t: TestApp) {
    let s = t.service("Formulae").await;
    let name = "=cmd|' /C calc'!A0";
    let file = format!(
        "email,full_name,practitioner_role,stage,wte\nf@registry.test,\"{name}\",pwp,qualified,1\n"
    );
    csv(&t, &t.admin, &format!("?service_id={s}"), &file)
        .await
        .expect(200);
    let people = t
        .get(&format!("/api/v1/practitioners?service_id={s}"), &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(people["items"][0]["full_name"], name);
    let res = t
        .send(
            TestRequest::get()
                .uri(&format!(
                    "/api/v1/reports/supervision-compliance?service_id={s}"
                ))
                .insert_header(("authorization", format!("Bearer {}", t.admin)))
                .insert_header(("accept", "text/csv")),
        )
        .await
        .expect(200);
    let text = res.text();
    assert!(text.contains("'=cmd|' /C calc'!A0"), "{text}");
    assert!(!text.contains(",=cmd"), "{text}");
    invitations_sent(&t, 1).await;
}

async fn an_esr_extract_imports_through_a_mapping(t: TestApp) {
    let s = t.service("ESR").await;
    let file = "Assignment Number,First Name,Last Name,Work Address,Assignment Start Date,FTE,Position Title,Stage,Payroll\n\
                12345678-2,Priya,Shah,priya@registry.test,01/04/2024,0.6,Psychological Wellbeing Practitioner,qualified,X1\n";
    let mapping = urlencode(r#"{"email": "Work Address"}"#);
    let r = csv(
        &t,
        &t.admin,
        &format!("?service_id={s}&mapping={mapping}"),
        file,
    )
    .await
    .expect(200)
    .json();
    assert_eq!(r["created"], 1, "{r}");
    assert_eq!(r["ignored_columns"], serde_json::json!(["Payroll"]));
    let people = t
        .get(&format!("/api/v1/practitioners?service_id={s}"), &t.admin)
        .await
        .expect(200)
        .json();
    let p = &people["items"][0];
    assert_eq!(p["full_name"], "Priya Shah");
    assert_eq!(p["esr_assignment_number"], "12345678-2");
    assert_eq!(p["practitioner_role"], "pwp");
    assert_eq!(p["started_on"], "2024-04-01");
    invitations_sent(&t, 1).await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
