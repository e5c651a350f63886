//! What every operation of the document shares, written once rather than on each of them: the
//! errors any request of its kind can get (as `application/problem+json`, which is what is
//! served), a description on every response, the bounds of paging, and examples.

use serde_json::{json, Value};

use super::examples;
use crate::http::page::MAX_LIMIT;

/// What each error status means here, as every operation that can answer it documents it.
const ERRORS: &[(&str, &str)] = &[
    ("400", "The request could not be read: the body is not JSON, or a query parameter is malformed."),
    ("401", "No access token, or one that has expired or been revoked."),
    ("403", "Signed in, but this needs another role or relationship; `detail` names who may."),
    ("404", "No such record, or one the caller may not see."),
    ("408", "The body did not arrive in time."),
    ("409", "The request conflicts with the record's state; `detail` says how."),
    ("413", "The body is larger than the server accepts."),
    ("415", "The body is not `application/json`."),
    ("422", "The request is well formed but invalid: `errors` lists every field problem at once."),
    ("429", "Too many attempts: wait for the seconds in `Retry-After`."),
    ("503", "A dependency (the database, password hashing) is unavailable or busy: retry after `Retry-After`."),
    ("default", "Any other error (such as 500), as problem details; its detail is logged, not answered."),
];

/// What each success status means, where the operation does not say more.
const SUCCESSES: &[(&str, &str)] = &[
    ("200", "The result."),
    ("201", "Created: the new record."),
    ("202", "Accepted: the work is queued."),
    ("204", "Done; there is no body."),
];

/// Finishes a generated document (as JSON) in place.
pub fn finish(doc: &mut Value) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            // A policy rule names a practitioner role, or supervisors for their own supervision.
            let extra: &[&str] = if name == "PolicyRule" {
                &[crate::supervision::rules::SUPERVISORS_OWN]
            } else {
                &[]
            };
            name_roles(schema, extra);
        }
    }
    if let Some(paths) = doc.get_mut("paths") {
        name_roles(paths, &[]);
    }
    let components = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                finish_operation(op, &components);
            }
        }
    }
}

fn finish_operation(op: &mut Value, components: &Value) {
    let secured = op.get("security").is_some_and(|s| {
        s.as_array().is_some_and(|a| {
            a.iter()
                .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        })
    });
    let has_body = op.get("requestBody").is_some();
    let params: Vec<(String, String)> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    (text("in"), text("name"))
                })
                .collect()
        })
        .unwrap_or_default();
    let has_query = params.iter().any(|(place, _)| place == "query");
    let has_path = params.iter().any(|(place, _)| place == "path");

    let mut errors: Vec<&str> = vec!["default"];
    if secured {
        errors.push("401");
    }
    if has_body {
        errors.extend(["400", "408", "413", "415", "422"]);
    }
    if has_query {
        errors.extend(["400", "422"]);
    }
    if has_path {
        errors.push("404");
    }

    bound_paging(op);
    if let Some(body) = op.pointer_mut("/requestBody/content") {
        add_examples(body, components);
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for status in errors {
        responses.entry(status).or_insert_with(|| json!({}));
    }
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        let is_error = status == "default" || status.starts_with('4') || status.starts_with('5');
        if is_error {
            response.insert(
                "content".into(),
                json!({"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}
                }}),
            );
            if status == "429" || status == "503" {
                response.insert("headers".into(), retry_after());
            }
        } else if let Some(content) = response.get_mut("content") {
            add_examples(content, components);
        }
        let table = if is_error { ERRORS } else { SUCCESSES };
        let missing = response
            .get("description")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if missing {
            let text = table
                .iter()
                .find(|(s, _)| s == status)
                .map_or("The result.", |(_, d)| d);
            response.insert("description".into(), Value::String(text.into()));
        }
    }
}

/// `limit` and `cursor` mean the same on every list: say what `PageRequest` accepts.
fn bound_paging(op: &mut Value) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in params {
        if p.get("name").and_then(Value::as_str) != Some("limit") {
            continue;
        }
        if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut) {
            schema.insert("minimum".into(), json!(1));
            schema.insert("maximum".into(), json!(MAX_LIMIT));
            schema.insert("default".into(), json!(crate::http::page::DEFAULT_LIMIT));
        }
        if let Some(p) = p.as_object_mut() {
            p.entry("description")
                .or_insert_with(|| json!(format!("Rows per page, 1 to {MAX_LIMIT}.")));
        }
    }
}

fn retry_after() -> Value {
    json!({"Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1}
    }})
}

/// Gives each JSON media type without an example one made from its schema.
fn add_examples(content: &mut Value, components: &Value) {
    let Some(content) = content.as_object_mut() else {
        return;
    };
    for (media, body) in content.iter_mut() {
        if !media.contains("json") {
            continue;
        }
        let Some(body) = body.as_object_mut() else {
            continue;
        };
        if body.contains_key("example") || body.contains_key("examples") {
            continue;
        }
        let Some(schema) = body.get("schema") else {
            continue;
        };
        let example = examples::of(schema, components);
        body.insert("example".into(), example);
    }
}

/// `practitioner_role` is text in the code (it is reference data), so the generated schemas do
/// not list its values: give every property and parameter of that name the seeded ones.
fn name_roles(node: &mut Value, extra: &[&str]) {
    match node {
        Value::Object(map) => {
            let is_param = map.get("name").and_then(Value::as_str) == Some("practitioner_role");
            if is_param {
                if let Some(schema) = map.get_mut("schema") {
                    list_roles(schema, extra);
                }
            }
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                if let Some(schema) = props.get_mut("practitioner_role") {
                    list_roles(schema, extra);
                }
            }
            map.values_mut().for_each(|v| name_roles(v, extra));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| name_roles(v, extra)),
        _ => {}
    }
}

fn list_roles(schema: &mut Value, extra: &[&str]) {
    let nullable = schema
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t == "null"));
    let mut values: Vec<Value> = crate::reference::PRACTITIONER_ROLES
        .iter()
        .chain(extra)
        .map(|r| json!(r))
        .collect();
    if nullable {
        values.push(Value::Null);
    }
    if let Some(s) = schema.as_object_mut() {
        if s.get("type").is_some() {
            s.insert("enum".into(), Value::Array(values));
        }
    }
}
