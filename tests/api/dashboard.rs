//! The service dashboard (`GET /api/v1/reports/dashboard`, the `/dashboard` page) and the
//! report pages (`/reports`, `/reports/{name}`): figures that match the reports behind them,
//! a fixed number of queries whatever the service's size, and other services' pages 404.

use serde_json::{json, Value};

use crate::both;
use crate::support::*;

both!(
    the_dashboard_counts_what_was_entered,
    another_services_dashboard_and_reports_are_not_found,
    a_dashboard_costs_the_same_queries_whatever_the_size,
    each_report_has_a_page_with_its_filters_and_a_csv,
);

pub fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string()
}

pub async fn credential(t: &TestApp, who: &str, number: &str, until: &str) -> String {
    let b = json!({"body": "BPS", "kind": "wpw_register", "membership_number": number,
                   "valid_from": "2024-01-01", "expires_on": until});
    t.post(
        &format!("/api/v1/practitioners/{who}/accreditations"),
        &t.admin,
        b,
    )
    .await
    .expect(201)
    .json()["id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn verify(t: &TestApp, id: &str) {
    t.patch(
        &format!("/api/v1/accreditations/{id}"),
        &t.admin,
        json!({"verified": true, "verification_method": "register_lookup", "verification_reference": "BPS register"}),
    )
    .await
    .expect(200);
}

/// Two practitioners here (one credential waiting for a check, one checked and expiring in
/// about 45 days), one elsewhere; a lead sees only their own service's.
pub async fn seed(t: &TestApp) -> (String, String, String) {
    let s = t.service("Northfield").await;
    let other = t.service("Southgate").await;
    t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let (a, _) = t.person(&s, "ana@registry.test", &["practitioner"]).await;
    let (b, _) = t.person(&s, "ben@registry.test", &["practitioner"]).await;
    let (c, _) = t
        .person(&other, "cai@registry.test", &["practitioner"])
        .await;
    credential(t, &a, "WPW-1", &in_days(400)).await;
    let checked = credential(t, &b, "WPW-2", &in_days(45)).await;
    verify(t, &checked).await;
    credential(t, &c, "WPW-3", &in_days(400)).await;
    (s, other, checked)
}

async fn the_dashboard_counts_what_was_entered(t: TestApp) {
    let (s, _, _) = seed(&t).await;
    let lead = t.login("lead@registry.test", PASSWORD).await;
    let d = t
        .get("/api/v1/reports/dashboard", &lead)
        .await
        .expect(200)
        .json();
    assert_eq!(d["service_id"], s.as_str());
    assert_eq!(d["service_name"], "Northfield");
    // The lead is a practitioner too (every test person is a PWP), so three in post.
    assert_eq!(d["practitioners"], 3);
    assert_eq!(d["credentials"]["pending_verification"], 1);
    assert_eq!(d["credentials"]["expired"], 0);
    let months: Vec<i64> = d["credentials"]["expiring_by_month"]
        .as_array()
        .expect("months")
        .iter()
        .map(|m| m["expiring"].as_i64().expect("a count"))
        .collect();
    assert_eq!(months.len(), 12);
    assert_eq!(months.iter().sum::<i64>(), 1, "{months:?}");
    assert_eq!(d["workforce_totals"]["headcount"], 3);
    // Each type's counts are the compliance report's rows by status.
    let report = t
        .get("/api/v1/reports/supervision-compliance?limit=500", &lead)
        .await
        .expect(200)
        .json();
    for tally in d["supervision"].as_array().expect("types") {
        let kind = tally["supervision_type"].as_str().expect("a type");
        for status in ["compliant", "due_soon", "overdue"] {
            let rows = report["items"]
                .as_array()
                .expect("rows")
                .iter()
                .filter(|r| r["supervision_type"] == kind && r["status"] == status)
                .count() as i64;
            assert_eq!(tally[status], rows, "{kind} {status}");
        }
    }
    assert!(!d["supervision"].as_array().expect("types").is_empty());

    // The page shows the same, with a chart that says what it shows and links to the lists.
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let page = b.get("/dashboard").await.expect(200).text();
    assert!(page.contains("<title>Dashboard: Northfield"), "{page}");
    assert!(page.contains("role=\"img\""));
    assert!(page.contains("<desc id=\"supervision-chart-desc\">"));
    assert!(page.contains("href=\"/verification\""));
    assert!(page.contains("href=\"/reports/accreditation?status=expired\""));
    assert!(
        page.contains("<strong>1</strong> waiting for a check"),
        "{page}"
    );
    assert!(
        page.contains("href=\"/dashboard\""),
        "the navigation links to it"
    );
}

async fn another_services_dashboard_and_reports_are_not_found(t: TestApp) {
    let (_, other, _) = seed(&t).await;
    let lead = t.login("lead@registry.test", PASSWORD).await;
    t.get(
        &format!("/api/v1/reports/dashboard?service_id={other}"),
        &lead,
    )
    .await
    .expect(403);
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    b.get(&format!("/dashboard?service_id={other}"))
        .await
        .expect(404);
    b.get(&format!("/reports/accreditation?service_id={other}"))
        .await
        .expect(404);
    b.get("/reports/no-such-report").await.expect(404);
    // Someone who leads no service sees neither, nor a link to them.
    let p = t.sign_in("ana@registry.test", PASSWORD).await;
    let home = p.get("/").await.expect(200).text();
    assert!(!home.contains("href=\"/dashboard\""));
    p.get("/dashboard").await.expect(404);
    p.get("/reports").await.expect(404);
    p.get("/reports/workforce").await.expect(404);
    let practitioner = t.login("ana@registry.test", PASSWORD).await;
    t.get("/api/v1/reports/dashboard", &practitioner)
        .await
        .expect(403);
    // An admin sees the whole registry, or the service chosen.
    let all = t
        .get("/api/v1/reports/dashboard", &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(all["service_id"], Value::Null);
    assert_eq!(all["credentials"]["pending_verification"], 2);
    let one = t
        .get(
            &format!("/api/v1/reports/dashboard?service_id={other}"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(one["practitioners"], 1);
}

/// The dashboard's queries do not grow with the people, logs and credentials it counts.
async fn a_dashboard_costs_the_same_queries_whatever_the_size(t: TestApp) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use diesel::connection::{Connection, InstrumentationEvent};
    use registry::auth::policy::PeopleScope;
    use registry::reports::dashboard::{service_dashboard, DashboardQuery};

    let (s, _, _) = seed(&t).await;
    let at = chrono::Utc::now().naive_utc();
    let mut conn = t.state.pool.get().expect("a connection");
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = e {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut counts = Vec::new();
    for round in 0..2 {
        if round == 1 {
            for i in 0..25 {
                let (id, _) = t
                    .person(&s, &format!("more{i}@registry.test"), &["practitioner"])
                    .await;
                credential(&t, &id, &format!("WPW-M{i}"), &in_days(30 + i)).await;
            }
        }
        queries.store(0, Ordering::SeqCst);
        let d = service_dashboard(
            &mut conn,
            PeopleScope::Service(s.clone()),
            DashboardQuery { service_id: None },
            at,
        )
        .expect("the dashboard");
        assert_eq!(d.practitioners, 3 + 25 * round);
        counts.push(queries.load(Ordering::SeqCst));
    }
    assert_eq!(counts[0], counts[1], "queries: {counts:?}");
    println!("the dashboard ran {} queries", counts[0]);
}

async fn each_report_has_a_page_with_its_filters_and_a_csv(t: TestApp) {
    seed(&t).await;
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let index = b.get("/reports").await.expect(200).text();
    for name in [
        "supervision-compliance",
        "accreditation",
        "courses",
        "competencies",
        "workforce",
        "representation",
    ] {
        assert!(
            index.contains(&format!("href=\"/reports/{name}\"")),
            "{name}"
        );
        let page = b.get(&format!("/reports/{name}")).await.expect(200).text();
        assert!(page.contains("Download CSV"), "{name}");
        let csv = b
            .get(&format!("/reports/{name}?format=csv"))
            .await
            .expect(200);
        assert!(
            csv.header("content-type")
                .is_some_and(|c| c.starts_with("text/csv")),
            "{name}"
        );
        assert!(
            csv.header("content-disposition")
                .is_some_and(|c| c.contains("attachment") && c.contains("northfield")),
            "{name}: {:?}",
            csv.header("content-disposition")
        );
    }
    let pending = b
        .get("/reports/accreditation?status=pending_verification")
        .await
        .expect(200)
        .text();
    assert!(pending.contains("Person ana@registry.test"), "{pending}");
    assert!(!pending.contains("Person ben@registry.test"));
    assert!(pending.contains("<option value=\"pending_verification\" selected>"));
    let csv = b
        .get("/reports/accreditation?status=pending_verification&format=csv")
        .await
        .expect(200)
        .text();
    assert_eq!(csv.lines().count(), 2, "a header and Ana's row: {csv}");
    // Each report's own filters, kept in its CSV link.
    let bps = b
        .get("/reports/accreditation?body=BPS&kind=wpw_register")
        .await
        .expect(200)
        .text();
    assert!(bps.contains("Person ana@registry.test"), "{bps}");
    assert!(
        bps.contains("format=csv") && bps.contains("body=BPS"),
        "{bps}"
    );
    let none = b
        .get("/reports/accreditation?body=BACP")
        .await
        .expect(200)
        .text();
    assert!(!none.contains("Person ana@registry.test"));
    b.get("/reports/supervision-compliance?practitioner_role=pwp")
        .await
        .expect(200);
    let period = b
        .get("/reports/workforce?from=2026-01-01&to=2026-06-30")
        .await
        .expect(200)
        .text();
    assert!(period.contains("value=\"2026-01-01\""), "{period}");
    b.get("/reports/workforce?from=soon").await.expect(422);
    let representation = b.get("/reports/representation").await.expect(200).text();
    assert!(representation.contains("Why some counts are hidden"));
    b.get("/reports/accreditation?status=lost")
        .await
        .expect(422);
}
