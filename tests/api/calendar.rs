//! The secret calendar feed.

use actix_web::http::Method;
use chrono::{Duration, NaiveDate};
use serde_json::json;

use crate::both;
use crate::support::*;

both!(the_feed_parses_as_icalendar_and_a_rotated_secret_is_refused,);

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Unfolds an iCalendar body into its content lines, checking the RFC 5545 framing on the way.
fn content_lines(body: &str) -> Vec<String> {
    assert!(body.ends_with("\r\n"), "CRLF line ends");
    for physical in body.split("\r\n") {
        assert!(physical.len() <= 75, "folded at 75 octets: {physical:?}");
        assert!(!physical.contains('\n'), "no bare LF");
    }
    body.trim_end_matches("\r\n")
        .replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_string)
        .collect()
}

/// The events of a calendar, each as its content lines, with the framing checked.
fn events(body: &str) -> Vec<Vec<String>> {
    let lines = content_lines(body);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.iter().any(|l| l == "VERSION:2.0"));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    let mut out = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for l in &lines[1..lines.len() - 1] {
        match l.as_str() {
            "BEGIN:VEVENT" => {
                assert!(current.is_none(), "events do not nest");
                current = Some(Vec::new());
            }
            "END:VEVENT" => out.push(current.take().expect("END after BEGIN")),
            _ => {
                if let Some(c) = current.as_mut() {
                    c.push(l.clone());
                }
            }
        }
    }
    assert!(current.is_none(), "every event is closed");
    for e in &out {
        for prop in ["UID:", "DTSTAMP:", "DTSTART;VALUE=DATE:", "SUMMARY:"] {
            assert!(e.iter().any(|l| l.starts_with(prop)), "{prop} in {e:?}");
        }
    }
    out
}

fn path_of(url: &str) -> String {
    url.strip_prefix("https://registry.test")
        .expect("the public address")
        .to_string()
}

async fn the_feed_parses_as_icalendar_and_a_rotated_secret_is_refused(t: TestApp) {
    let west = t.service("West").await;
    let (_, lead) = t
        .person(&west, "lead@registry.test", &["training_lead"])
        .await;
    let (me, token) = t
        .person(&west, "pwp@registry.test", &["practitioner"])
        .await;
    let expires = today() + Duration::days(120);
    t.post(
        &format!("/api/v1/practitioners/{me}/accreditations"),
        &token,
        json!({"body": "BPS", "kind": "wpw_register", "membership_number": "WPW-9, renewal; due",
               "valid_from": (today() - Duration::days(245)).to_string(), "expires_on": expires.to_string()}),
    )
    .await
    .expect(201);
    let competency = t.any_competence().await;
    let review = today() + Duration::days(200);
    t.post(
        &format!("/api/v1/practitioners/{me}/competencies"),
        &lead,
        json!({"competency_id": competency, "outcome": "met", "evidence": "Observed", "review_due_on": review.to_string()}),
    )
    .await
    .expect(201);

    let feed = t
        .get("/api/v1/me/calendar-feed", &token)
        .await
        .expect(200)
        .json();
    let url = feed["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("https://registry.test/calendar/") && url.ends_with(".ics"),
        "{url}"
    );
    let again = t
        .get("/api/v1/me/calendar-feed", &token)
        .await
        .expect(200)
        .json();
    assert_eq!(again["url"], url.as_str(), "the same address until rotated");
    let secret = url
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_string();
    assert!(secret.len() >= 43, "256 bits");
    assert!(!url.contains(&token));
    assert_eq!(
        t.count(&format!(
            "calendar_feeds WHERE secret_hash = '{secret}' OR nonce = '{secret}'"
        )),
        0,
        "the secret itself is never stored"
    );

    let res = t
        .call(Method::GET, &path_of(&url), None, None)
        .await
        .expect(200);
    assert!(res
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let evs = events(&res.text());
    let find = |summary: &str| {
        evs.iter()
            .find(|e| {
                e.iter()
                    .any(|l| l.starts_with("SUMMARY:") && l.contains(summary))
            })
            .unwrap_or_else(|| panic!("{summary} in {evs:?}"))
    };
    let renewal = find("BPS wpw register renewal due");
    assert!(renewal.contains(&format!("DTSTART;VALUE=DATE:{}", expires.format("%Y%m%d"))));
    assert!(
        renewal
            .iter()
            .any(|l| l.contains("WPW-9\\, renewal\\; due")),
        "text is escaped: {renewal:?}"
    );
    let comp = find("Competence review due");
    assert!(comp.contains(&format!("DTSTART;VALUE=DATE:{}", review.format("%Y%m%d"))));
    find("Supervision due: case management");
    let uids: Vec<&String> = evs
        .iter()
        .flat_map(|e| e.iter().filter(|l| l.starts_with("UID:")))
        .collect();
    let mut unique = uids.clone();
    unique.dedup();
    assert_eq!(uids.len(), unique.len(), "one UID per event");

    // Rotation: the old address stops working at once, the new one works.
    let rotated = t
        .post("/api/v1/me/calendar-feed/rotate", &token, json!({}))
        .await
        .expect(200)
        .json();
    let new_url = rotated["url"].as_str().unwrap().to_string();
    assert_ne!(new_url, url);
    t.call(Method::GET, &path_of(&url), None, None)
        .await
        .problem(404);
    t.call(Method::GET, &path_of(&new_url), None, None)
        .await
        .expect(200);
    let shown = t
        .get("/api/v1/me/calendar-feed", &token)
        .await
        .expect(200)
        .json();
    assert_eq!(shown["url"], new_url.as_str());
    // Guesses and other paths are refused alike.
    t.call(Method::GET, "/calendar/not-a-secret.ics", None, None)
        .await
        .problem(404);
    t.call(
        Method::GET,
        &path_of(&new_url).replace(".ics", ""),
        None,
        None,
    )
    .await
    .problem(404);
    // The feed address needs a token; the feed itself does not, but stops when the person leaves.
    t.call(Method::GET, "/api/v1/me/calendar-feed", None, None)
        .await
        .problem(401);
    t.delete(&format!("/api/v1/practitioners/{me}"), &t.admin)
        .await
        .expect(204);
    t.call(Method::GET, &path_of(&new_url), None, None)
        .await
        .problem(404);
    // Issuing and rotating are audited, never with the secret.
    let audit = t
        .get(
            &format!("/api/v1/audit/events?entity_type=calendar_feed&entity_id={me}"),
            &t.admin,
        )
        .await
        .expect(200)
        .json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["rotate", "create"]);
    assert!(!audit.to_string().contains(&secret));
}
