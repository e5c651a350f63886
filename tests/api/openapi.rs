//! The OpenAPI document a client generates from: the rules `openapi-spec-validator` checks
//! that this document once broke, checked in Rust, then the validator itself where installed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::both;
use crate::support::*;

both!(the_practitioner_roles_documented_are_those_seeded);

fn document() -> Value {
    serde_json::to_value(registry::openapi::document()).expect("the document serialises")
}

/// Every operation, as (method path, operation).
fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            out.push((format!("{} {path}", method.to_uppercase()), op));
        }
    }
    out
}

#[test]
fn every_operation_is_named_once_summarised_and_says_who_may_call_it() {
    let doc = document();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_string();
        if let Some(other) = ids.insert(id.clone(), name.clone()) {
            problems.push(format!("{name}: operationId {id} is also {other}'s"));
        }
        if op["summary"].as_str().is_none_or(str::is_empty) {
            problems.push(format!("{name}: no summary"));
        }
        if !op["description"]
            .as_str()
            .is_some_and(|d| d.contains("**Who may call:**"))
        {
            problems.push(format!(
                "{name}: the description does not say who may call it"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_response_is_described_with_the_media_types_served() {
    let doc = document();
    let mut problems = Vec::new();
    for (name, op) in operations(&doc) {
        let responses = op["responses"].as_object().expect("responses");
        for status in ["default"] {
            if !responses.contains_key(status) {
                problems.push(format!("{name}: no {status} response"));
            }
        }
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                if !responses.contains_key(status) {
                    problems.push(format!("{name}: has a body but no {status} response"));
                }
            }
        }
        for (status, r) in responses {
            if r["description"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{name} {status}: no description"));
            }
            let media: Vec<&String> = r["content"]
                .as_object()
                .map(|c| c.keys().collect())
                .unwrap_or_default();
            let is_error = status == "default" || status.as_str() >= "400";
            if is_error && media != ["application/problem+json"] {
                problems.push(format!(
                    "{name} {status}: errors are application/problem+json, not {media:?}"
                ));
            }
            if !is_error {
                for (m, body) in r["content"].as_object().into_iter().flatten() {
                    if m.contains("json") && body.get("example").is_none() {
                        problems.push(format!("{name} {status} {m}: no example"));
                    }
                }
            }
        }
        for (m, body) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if body.get("example").is_none() {
                problems.push(format!("{name} request {m}: no example"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The reports, the audit trail and the evidence pack answer CSV (and HTML) beside JSON: each
/// keeps its JSON schema too.
#[test]
fn a_report_documents_json_and_csv_side_by_side() {
    let doc = document();
    for path in [
        "/api/v1/reports/supervision-compliance",
        "/api/v1/reports/accreditation",
        "/api/v1/reports/courses",
        "/api/v1/reports/competencies",
        "/api/v1/reports/workforce",
        "/api/v1/reports/representation",
        "/api/v1/audit/events",
        "/api/v1/practitioners/{id}/evidence-pack",
    ] {
        let content = &doc["paths"][path]["get"]["responses"]["200"]["content"];
        assert!(
            content["application/json"]["schema"].is_object(),
            "{path}: lost its JSON schema"
        );
        assert!(content["text/csv"].is_object(), "{path}: no CSV");
    }
    let pack = &doc["paths"]["/api/v1/practitioners/{id}/evidence-pack"]["get"]["responses"]["200"];
    assert!(pack["content"]["text/html"].is_object());
}

#[test]
fn every_reference_resolves_every_tag_is_declared_and_paging_is_bounded() {
    let doc = document();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    let missing: Vec<_> = refs
        .iter()
        .filter(|r| !schemas.contains_key(r.trim_start_matches("#/components/schemas/")))
        .collect();
    assert!(missing.is_empty(), "unresolved: {missing:?}");

    let declared: BTreeSet<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for (name, op) in operations(&doc) {
        for t in op["tags"].as_array().into_iter().flatten() {
            let t = t.as_str().unwrap_or_default();
            assert!(declared.contains(t), "{name}: tag {t} is not declared");
        }
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["name"] == "limit" {
                assert_eq!(p["schema"]["minimum"], 1, "{name}");
                assert_eq!(p["schema"]["maximum"], 500, "{name}");
            }
        }
    }
    // The request of `GET /audit/verify` is its own (two types were once one schema name).
    assert!(schemas["ChainVerification"]["properties"]["intact"].is_object());
    // Enums document the texts served, not the Rust names.
    assert_eq!(schemas["Role"]["enum"][0], "admin");
    let role = &schemas["NewPractitioner"]["properties"]["practitioner_role"];
    assert!(role["enum"]
        .as_array()
        .expect("roles listed")
        .contains(&"counsellor".into()));
    let limit = &schemas["NewLog"]["properties"]["duration_minutes"];
    assert_eq!(limit["maximum"], 480);
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        out.insert(r.clone());
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// `openapi-spec-validator` (PyPI) on the document: zero errors. Skipped where it is not
/// installed, unless `REGISTRY_TEST_REQUIRE_OPENAPI_VALIDATOR` is set (CI installs it).
#[test]
fn openapi_spec_validator_finds_nothing() {
    let required = std::env::var_os("REGISTRY_TEST_REQUIRE_OPENAPI_VALIDATOR").is_some();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, document().to_string()).expect("write the document");
    let run = std::process::Command::new("openapi-spec-validator")
        .arg("--validation-errors")
        .arg("all")
        .arg(&file)
        .output();
    match run {
        Err(e) if !required => {
            eprintln!("skipped: openapi-spec-validator is not installed ({e}); pip install openapi-spec-validator");
        }
        Err(e) => panic!("openapi-spec-validator is required here but could not run: {e}"),
        Ok(out) => assert!(
            out.status.success(),
            "openapi-spec-validator: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

async fn the_practitioner_roles_documented_are_those_seeded(t: TestApp) {
    let listed = registry::reference::PRACTITIONER_ROLES;
    let quoted: Vec<String> = listed.iter().map(|r| format!("'{r}'")).collect();
    assert_eq!(t.count("practitioner_roles"), listed.len() as i64);
    assert_eq!(
        t.count(&format!(
            "practitioner_roles WHERE code IN ({})",
            quoted.join(", ")
        )),
        listed.len() as i64
    );
}
