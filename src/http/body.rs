//! Reading a JSON body into its request type with every problem named at once. serde stops at
//! the first problem, so each one found is recorded and patched over with a stand-in value of
//! the right type (an enum's first variant, a date, a number, text...), and the body is read
//! again, until it reads; then the request type's own checks (`validator`) run on it too.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::error::FieldError;

/// The most problems one body is read for.
const MAX_PROBLEMS: usize = 50;
/// Bodies larger than this are read for their first problem only: each further one costs a few
/// more readings of the whole body, which a large body must not be able to multiply.
pub const FULL_READ_BYTES: usize = 16 * 1024;

/// Stand-ins tried, in order, where a value is missing or of the wrong type.
fn candidates(message: &str) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(variant) = first_expected(message) {
        out.push(Value::String(variant));
    }
    out.extend([
        Value::String("x".into()),
        Value::from(1),
        Value::from(0.5),
        Value::Bool(false),
        Value::String("2000-01-01".into()),
        Value::Array(Vec::new()),
        Value::Object(Default::default()),
        Value::String(uuid::Uuid::nil().to_string()),
        Value::Null,
    ]);
    out
}

/// The first name serde says it expected (`unknown variant ..., expected one of `a`, `b``).
fn first_expected(message: &str) -> Option<String> {
    let rest = message.split("expected").nth(1)?;
    let start = rest.find('`')? + 1;
    let end = rest[start..].find('`')? + start;
    Some(rest[start..end].to_string())
}

/// The names serde lists after "expected".
fn expected_names(message: &str) -> Vec<String> {
    let Some(rest) = message.split("expected").nth(1) else {
        return Vec::new();
    };
    rest.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

fn label(path: &[Segment]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    out
}

fn slot<'v>(value: &'v mut Value, path: &[Segment]) -> Option<&'v mut Value> {
    let mut at = value;
    for s in path {
        at = match s {
            Segment::Map { key } => at.as_object_mut()?.get_mut(key)?,
            Segment::Seq { index } => at.as_array_mut()?.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(at)
}

/// What went wrong, in words that say what to do.
fn plain(message: &str, stand_in: Option<&Value>, missing: bool) -> String {
    if missing {
        return "is required".into();
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        let names = expected_names(message);
        return if names.is_empty() {
            format!("{name} is not a field of this request")
        } else {
            format!(
                "{name} is not a field of this request; the fields are {}",
                names.join(", ")
            )
        };
    }
    if message.starts_with("unknown variant") {
        return format!("must be one of {}", expected_names(message).join(", "));
    }
    match stand_in {
        Some(Value::String(s)) if s == "2000-01-01" => super::input::DATE_SHAPE.into(),
        Some(Value::Number(_)) => {
            let whole = !message.contains("expected f64") && !message.contains("expected f32");
            let quoted = message.contains("invalid type: string");
            match (whole, quoted) {
                (true, true) => "must be a whole number, without quotes".into(),
                (true, false) => "must be a whole number".into(),
                (false, true) => "must be a number, without quotes".into(),
                (false, false) => "must be a number".into(),
            }
        }
        Some(Value::Bool(_)) => "must be true or false".into(),
        Some(Value::Array(_)) => "must be a list".into(),
        Some(Value::Object(_)) => "must be an object".into(),
        Some(Value::String(_)) if message.contains("invalid type") => "must be text".into(),
        _ => message
            .split(" at line ")
            .next()
            .unwrap_or(message)
            .to_string(),
    }
}

/// Reads `value` as a `T`: the value, or every problem found (each field once), with the value
/// read from stand-ins when there were problems (so the type's own checks can run on the rest).
pub fn read<T: DeserializeOwned>(value: Value) -> (Vec<FieldError>, Option<T>) {
    read_at_most(value, MAX_PROBLEMS)
}

/// [`read`], stopping after `most` problems (at least one).
pub fn read_at_most<T: DeserializeOwned>(
    mut value: Value,
    most: usize,
) -> (Vec<FieldError>, Option<T>) {
    let mut errors: Vec<FieldError> = Vec::new();
    while errors.len() < most.max(1) {
        let e = match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(v) => return (errors, Some(v)),
            Err(e) => e,
        };
        let mut path: Vec<Segment> = e.path().iter().cloned().collect();
        let message = e.into_inner().to_string();
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
            .map(str::to_string);
        if let Some(name) = &missing {
            path.push(Segment::Map { key: name.clone() });
        }
        let field = match label(&path) {
            l if l.is_empty() => "body".to_string(),
            l => l,
        };
        if message.starts_with("unknown field") {
            errors.push(FieldError::new(field, plain(&message, None, false)));
            let Some((last, parent)) = path.split_last() else {
                return (errors, None);
            };
            let (Segment::Map { key }, Some(obj)) = (last, slot(&mut value, parent)) else {
                return (errors, None);
            };
            let Some(map) = obj.as_object_mut() else {
                return (errors, None);
            };
            map.remove(key);
            if errors.len() >= most {
                return (errors, None);
            }
            continue;
        }
        // Find a stand-in that gets past this spot (not worth it for the last problem read).
        let Some((last, parent)) = path.split_last().filter(|_| errors.len() + 1 < most) else {
            errors.push(FieldError::new(field, plain(&message, None, false)));
            return (errors, None);
        };
        let mut fixed = None;
        for candidate in candidates(&message) {
            let mut trial = value.clone();
            let placed = match (last, slot(&mut trial, parent)) {
                (Segment::Map { key }, Some(Value::Object(map))) => {
                    map.insert(key.clone(), candidate.clone());
                    true
                }
                (Segment::Seq { index }, Some(Value::Array(items))) if *index < items.len() => {
                    items[*index] = candidate.clone();
                    true
                }
                _ => false,
            };
            if !placed {
                break;
            }
            let still_here = match serde_path_to_error::deserialize::<_, T>(trial.clone()) {
                Ok(_) => false,
                Err(e2) => {
                    let p2: Vec<Segment> = e2.path().iter().cloned().collect();
                    let m2 = e2.into_inner().to_string();
                    let same_missing = m2.starts_with("missing field `")
                        && missing.is_some()
                        && p2.len() + 1 == path.len()
                        && m2.contains(&format!("`{}`", missing.as_deref().unwrap_or("")));
                    label(&p2) == label(&path) || same_missing
                }
            };
            if !still_here {
                fixed = Some((candidate, trial));
                break;
            }
        }
        match fixed {
            Some((candidate, trial)) => {
                errors.push(FieldError::new(
                    field,
                    plain(&message, Some(&candidate), missing.is_some()),
                ));
                value = trial;
            }
            None => {
                errors.push(FieldError::new(
                    field,
                    plain(&message, None, missing.is_some()),
                ));
                return (errors, None);
            }
        }
    }
    (errors, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        email: String,
        wte: f64,
        minutes: i32,
        on: chrono::NaiveDate,
        kind: Kind,
        tags: Option<Vec<String>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Individual,
        Group,
    }

    fn fields(v: Value) -> Vec<(String, String)> {
        read::<Shape>(v)
            .0
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let got = fields(json!({"minutes": "60", "on": "1/2/2026", "kind": "triad", "extra": 1}));
        let names: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        for f in ["email", "wte", "minutes", "on", "kind", "extra"] {
            assert!(names.contains(&f), "{f} missing from {got:?}");
        }
        let of = |f: &str| got.iter().find(|(n, _)| n == f).unwrap().1.clone();
        assert_eq!(of("email"), "is required");
        assert_eq!(of("minutes"), "must be a whole number, without quotes");
        assert_eq!(of("on"), super::super::input::DATE_SHAPE);
        assert_eq!(of("kind"), "must be one of individual, group");
        assert!(of("extra").starts_with("extra is not a field of this request"));
    }

    #[test]
    fn a_good_body_reads() {
        let (errors, v) = read::<Shape>(json!({"email": "a@b", "wte": 1.0, "minutes": 60,
            "on": "2026-01-02", "kind": "group"}));
        assert!(errors.is_empty() && v.is_some());
    }
}
