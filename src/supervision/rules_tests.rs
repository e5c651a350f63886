//! The rules' unit tests, with the hand-computed vectors.
use super::*;
use serde_json::Value;

/// The seeded default policy, as in `domain.md`.
fn default_rule(role: &str, t: SupervisionType) -> Rule {
    use Format::*;
    let (min, window, formats, max) = match (role, t) {
        ("pwp", SupervisionType::CaseManagement) => (60, 7, vec![Individual], None),
        ("pwp", SupervisionType::ClinicalSkills) => (60, 14, vec![Individual, Group], Some(6)),
        ("cbt_therapist", SupervisionType::Clinical) => (90, 30, vec![Individual, Group], Some(6)),
        ("counsellor", SupervisionType::Clinical) => (90, 30, vec![Individual, Group], None),
        (_, SupervisionType::Clinical) => (60, 14, vec![Individual, Group], None),
        other => panic!("no default rule for {other:?}"),
    };
    Rule {
        supervision_type: t,
        min_minutes: min,
        window_days: window,
        formats,
        max_group_size: max,
        group_counting: GroupCounting::UpToSize,
    }
}

fn date(v: &Value) -> NaiveDate {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn the_hand_computed_vectors_hold() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/supervision-compliance.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let today = date(&doc["today"]);
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let logs: Vec<LogFact> = case["logs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| LogFact {
                held_on: date(&l["held_on"]),
                minutes: l["duration_minutes"].as_i64().unwrap() as i32,
                supervision_type: SupervisionType::parse(l["supervision_type"].as_str().unwrap())
                    .unwrap(),
                format: Format::parse(l["format"].as_str().unwrap()).unwrap(),
                group_size: l["group_size"].as_i64().map(|n| n as i32),
                status: LogStatus::parse(l["status"].as_str().unwrap()).unwrap(),
            })
            .collect();
        for (t, expect) in case["expect"].as_object().unwrap() {
            let rule = default_rule(
                case["practitioner_role"].as_str().unwrap(),
                SupervisionType::parse(t).unwrap(),
            );
            let got = evaluate(
                &rule,
                case["wte"].as_f64().unwrap(),
                Some(date(&case["started_on"])),
                &logs,
                today,
            );
            let got_json = serde_json::json!({
                "required_minutes": got.required_minutes,
                "achieved_minutes": got.achieved_minutes,
                "unsigned_minutes": got.unsigned_minutes,
                "status": got.status,
                "last_held_on": got.last_held_on.map(|d| d.to_string()),
                "next_due_on": got.next_due_on.to_string(),
            });
            for (key, want) in expect.as_object().unwrap() {
                assert_eq!(&got_json[key], want, "{name}: {t}.{key}");
            }
        }
    }
}

#[test]
fn group_time_counts_as_each_rule_says_on_the_hand_computed_cases() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/group-counting.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let rule_of = |counting: &str, max: &Value| Rule {
        supervision_type: SupervisionType::Clinical,
        min_minutes: 90,
        window_days: 30,
        formats: vec![Format::Individual, Format::Group],
        max_group_size: max.as_i64().map(|n| n as i32),
        group_counting: GroupCounting::parse(counting).unwrap(),
    };
    let log_of = |l: &Value, held_on: NaiveDate| LogFact {
        held_on,
        minutes: l["minutes"].as_i64().unwrap() as i32,
        supervision_type: SupervisionType::Clinical,
        format: Format::parse(l["format"].as_str().unwrap()).unwrap(),
        group_size: l["group_size"].as_i64().map(|n| n as i32),
        status: LogStatus::SignedOff,
    };
    let day: NaiveDate = "2026-03-01".parse().unwrap();
    for (i, case) in doc["cases"].as_array().unwrap().iter().enumerate() {
        let rule = rule_of(case["rule"].as_str().unwrap(), &case["max_group_size"]);
        assert_eq!(
            i64::from(counted_minutes(&rule, &log_of(case, day))),
            case["counted"].as_i64().unwrap(),
            "case {i}: {case}"
        );
    }
    let w = &doc["windows"];
    let today = date(&w["today"]);
    let logs: Vec<LogFact> = w["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| log_of(l, date(&l["held_on"])))
        .collect();
    for (counting, want) in w["expect"].as_object().unwrap() {
        let rule = rule_of(counting, &want["max_group_size"]);
        let c = evaluate(
            &rule,
            1.0,
            Some("2020-01-01".parse().unwrap()),
            &logs,
            today,
        );
        assert_eq!(
            i64::from(c.held_minutes),
            want["held_minutes"].as_i64().unwrap(),
            "{counting}"
        );
        assert_eq!(
            i64::from(c.achieved_minutes),
            want["achieved_minutes"].as_i64().unwrap(),
            "{counting}"
        );
        assert_eq!(
            c.status.as_str(),
            want["status"].as_str().unwrap(),
            "{counting}"
        );
    }
}

#[test]
fn group_sizes_on_each_side_of_each_threshold() {
    let rule = |counting, max| Rule {
        supervision_type: SupervisionType::Clinical,
        min_minutes: 90,
        window_days: 30,
        formats: vec![Format::Group],
        max_group_size: max,
        group_counting: counting,
    };
    let group = |n| LogFact {
        held_on: "2026-03-01".parse().unwrap(),
        minutes: 120,
        supervision_type: SupervisionType::Clinical,
        format: Format::Group,
        group_size: Some(n),
        status: LogStatus::Submitted,
    };
    let bacp = rule(GroupCounting::BacpAccreditation, None);
    assert_eq!(counted_minutes(&bacp, &group(4)), 60);
    assert_eq!(counted_minutes(&bacp, &group(5)), 24);
    let babcp = rule(GroupCounting::IndividualEquivalent, Some(4));
    assert_eq!(counted_minutes(&babcp, &group(4)), 60);
    assert_eq!(counted_minutes(&babcp, &group(5)), 0);
    let capped = rule(GroupCounting::UpToSize, Some(6));
    assert_eq!(counted_minutes(&capped, &group(6)), 120);
    assert_eq!(counted_minutes(&capped, &group(7)), 0);
    let rejected = LogFact {
        status: LogStatus::Rejected,
        ..group(2)
    };
    assert_eq!(
        counted_minutes(&rule(GroupCounting::Full, None), &rejected),
        0
    );
}

#[test]
fn an_overdue_person_is_due_today_and_a_new_starter_when_the_first_window_ends() {
    let rule = default_rule("pwp", SupervisionType::CaseManagement);
    let today: NaiveDate = "2026-03-15".parse().unwrap();
    let old = evaluate(&rule, 1.0, Some("2025-01-01".parse().unwrap()), &[], today);
    assert_eq!(
        (old.status, old.next_due_on),
        (ComplianceStatus::Overdue, today)
    );
    let new = evaluate(&rule, 1.0, Some("2026-03-12".parse().unwrap()), &[], today);
    assert_eq!(
        (new.status, new.next_due_on.to_string().as_str()),
        (ComplianceStatus::DueSoon, "2026-03-19")
    );
}

#[test]
fn future_logs_and_other_types_do_not_count() {
    let rule = default_rule("pwp", SupervisionType::CaseManagement);
    let today: NaiveDate = "2026-03-15".parse().unwrap();
    let log = |held_on: &str, t| LogFact {
        held_on: held_on.parse().unwrap(),
        minutes: 60,
        supervision_type: t,
        format: Format::Individual,
        group_size: None,
        status: LogStatus::SignedOff,
    };
    let logs = [
        log("2026-03-16", SupervisionType::CaseManagement),
        log("2026-03-14", SupervisionType::ClinicalSkills),
    ];
    let c = evaluate(&rule, 1.0, None, &logs, today);
    assert_eq!(
        (c.achieved_minutes, c.status, c.last_held_on),
        (0, ComplianceStatus::Overdue, None)
    );
}

#[test]
fn required_minutes_are_pro_rata_with_a_floor_of_half() {
    assert_eq!(required_minutes(90, 0.8), 72);
    assert_eq!(required_minutes(60, 0.3), 30);
    assert_eq!(required_minutes(90, 0.55), 50);
    assert_eq!(required_minutes(60, 1.0), 60);
}

#[test]
fn rules_apply_by_role_stage_and_supervisor_role() {
    assert!(applies("pwp", None, Some("pwp"), Some("trainee"), false));
    assert!(!applies(
        "pwp",
        Some("qualified"),
        Some("pwp"),
        Some("trainee"),
        false
    ));
    assert!(!applies("cbt_therapist", None, Some("pwp"), None, false));
    assert!(applies("supervisor", None, Some("pwp"), None, true));
    assert!(!applies("supervisor", None, Some("pwp"), None, false));
}
