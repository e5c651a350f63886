//! Examples made from schemas, with values a reader recognises (a name, an NHS email, a date, a
//! first allowed value), so every request and response of the document shows one. A schema's
//! own `example` wins wherever it has one.

use serde_json::{json, Map, Value};

/// How deep an example follows nested schemas (the schemas are not recursive; this is a guard).
const MAX_DEPTH: usize = 8;

/// An example value for `schema`, resolving `$ref`s in `components` (`#/components/schemas`).
pub fn of(schema: &Value, components: &Value) -> Value {
    value(schema, components, None, 0)
}

fn value(schema: &Value, components: &Value, name: Option<&str>, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let key = r.rsplit('/').next().unwrap_or(r);
        return match components.get(key) {
            Some(s) => value(s, components, name, depth + 1),
            None => Value::Null,
        };
    }
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            let alt = alts
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str) != Some("null"));
            return alt.map_or(Value::Null, |a| value(a, components, name, depth + 1));
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for p in parts {
            match value(p, components, name, depth + 1) {
                Value::Object(o) => merged.extend(o),
                other if parts.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    match type_of(schema) {
        Some("object") | None if schema.get("properties").is_some() => {
            let mut out = Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, s) in props {
                    out.insert(k.clone(), value(s, components, Some(k), depth + 1));
                }
            }
            Value::Object(out)
        }
        Some("object") => json!({}),
        Some("array") => match schema.get("items") {
            Some(items) => json!([value(items, components, name, depth + 1)]),
            None => json!([]),
        },
        Some("string") => string(schema, name),
        Some("integer") => integer(schema, name),
        Some("number") => number(name),
        Some("boolean") => json!(name != Some("urgent") && name != Some("suppressed")),
        _ => Value::Null,
    }
}

/// The schema's type, the non-null one of a `["string", "null"]` pair.
fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

fn string(schema: &Value, name: Option<&str>) -> Value {
    match schema.get("format").and_then(Value::as_str) {
        Some("date") => return json!(date_for(name)),
        Some("date-time") => return json!("2026-12-01T09:30:00"),
        Some("uuid") => return json!(id_for(name)),
        _ => {}
    }
    let name = name.unwrap_or("");
    let text = match name {
        "email" => "sam.okafor@example.nhs.uk",
        "full_name" | "supervisee_name" => "Sam Okafor",
        "supervisor_name" | "assessed_by_name" | "verified_by_name" => "Priya Shah",
        "name" | "service_name" => "Northfield Talking Therapies",
        "password" | "new_password" => "a long passphrase of your own",
        "current_password" => "the passphrase you use now",
        "token" | "refresh_token" | "access_token" => "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
        "token_type" => "Bearer",
        "membership_number" => "123456",
        "practitioner_role" | "modality" => "cbt",
        "code" | "body" => "BABCP",
        "title" => "CBT for anxiety disorders (postgraduate diploma)",
        "provider" => "University of Northfield",
        "notes" => "Case discussion: two clients, stepping up one; no identifiable details.",
        "reason" | "rejection_reason" => "The date is a week out: please correct it.",
        "reflective_statement" => "What I learnt and how it changes my practice.",
        "verification_reference" => "BABCP register, checked 1 December 2026",
        "month" => "2026-11",
        "field" => "duration_minutes",
        "message" => "must be between 1 and 600 minutes",
        "detail" => "what went wrong, in words",
        "url" => "https://registry.example.nhs.uk/calendar/secret.ics",
        "version" => env!("CARGO_PKG_VERSION"),
        "next_cursor" | "cursor" => "MDE5M2E1ZjAtN2MxZS03YjNh",
        n if n == "id" || n.ends_with("_id") || n.ends_with("_by") => {
            return json!(id_for(Some(n)))
        }
        _ => "text",
    };
    json!(text)
}

fn integer(schema: &Value, name: Option<&str>) -> Value {
    let guess = match name.unwrap_or("") {
        "duration_minutes" | "min_minutes" | "required_minutes" | "achieved_minutes" => 60,
        "group_size" | "max_group_size" => 4,
        "months" | "period_months" => 12,
        "renewal_months" => 12,
        "status" => 422,
        "limit" => 50,
        "window_days" => 30,
        _ => 1,
    };
    let low = schema.get("minimum").and_then(Value::as_i64);
    let high = schema.get("maximum").and_then(Value::as_i64);
    let n = match (low, high) {
        (Some(l), _) if guess < l => l,
        (_, Some(h)) if guess > h => h,
        _ => guess,
    };
    json!(n)
}

fn number(name: Option<&str>) -> Value {
    match name.unwrap_or("") {
        "wte" => json!(0.8),
        "hours" | "total_hours" | "min_cbt_hours" => json!(1.5),
        _ => json!(1.0),
    }
}

fn date_for(name: Option<&str>) -> &'static str {
    match name.unwrap_or("") {
        "accredited_until" | "expires_on" | "next_due_on" | "review_due_on" | "due_on"
        | "until" | "to" => "2027-12-08",
        _ => "2026-12-08",
    }
}

/// A stable id per kind of reference, so an example's ids read as distinct records.
fn id_for(name: Option<&str>) -> String {
    let n = name.unwrap_or("id");
    let tail = n
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("0193a5f0-7c1e-7b3a-9a41-{:012x}", tail & 0xffff_ffff_ffff)
}
