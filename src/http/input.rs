//! The checks every input passes before any handler sees it: no control characters (tab
//! always allowed; line breaks only in free-text fields), and dates only as `YYYY-MM-DD`.
//! JSON bodies are checked by [`super::parse_json`], query strings by [`query_guard`], so a NUL
//! never reaches PostgreSQL (which refuses it) nor SQLite (which would store it).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::ResponseError;
use serde_json::Value;

use super::{AppError, FieldError};

/// How a date must be written.
pub const DATE_SHAPE: &str = "must be a date written YYYY-MM-DD, for example 2026-01-05";

/// Fields whose text may run over several lines.
const FREE_TEXT: &[&str] = &[
    "notes",
    "reason",
    "evidence",
    "reflective_statement",
    "description",
    "source",
    "not_possible_reason",
    "rejection_reason",
];

fn is_free_text(field: &str) -> bool {
    FREE_TEXT.contains(&field)
}

/// Dates in this API are named `..._on`, `..._from`, `..._until`, `from` or `to`.
fn is_date_field(field: &str) -> bool {
    field.ends_with("_on")
        || field.ends_with("_from")
        || field.ends_with("_until")
        || field == "from"
        || field == "to"
}

fn strict_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The problem with one text value of field `leaf` (its last name, without indices), if any.
fn text_problem(leaf: &str, value: &str, multiline: bool) -> Option<&'static str> {
    let bad = value
        .chars()
        .any(|c| c.is_control() && c != '\t' && !(multiline && (c == '\n' || c == '\r')));
    if bad {
        return Some(if multiline {
            "must not contain control characters"
        } else {
            "must not contain control characters or line breaks"
        });
    }
    if is_date_field(leaf) && !strict_date(value) {
        return Some(DATE_SHAPE);
    }
    None
}

/// Every problem in a JSON document, each naming its field (`rules[0].source`).
pub fn check_json(value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(value, "", "", &mut errors);
    errors
}

fn walk(value: &Value, path: &str, leaf: &str, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(s) => {
            if let Some(m) = text_problem(leaf, s, is_free_text(leaf)) {
                let field = if path.is_empty() { "body" } else { path };
                errors.push(FieldError::new(field, m));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), leaf, errors);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let field = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.chars().any(char::is_control) {
                    let at = if path.is_empty() { "body" } else { path };
                    errors.push(FieldError::new(at, "a field name holds control characters"));
                    continue;
                }
                walk(v, &field, k, errors);
            }
        }
        _ => {}
    }
}

/// Every problem in a query string, each naming its parameter.
pub fn check_query(query: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "query",
                "a parameter name holds control characters",
            ));
        } else if let Some(m) = text_problem(&k, &v, false) {
            errors.push(FieldError::new(k.into_owned(), m));
        }
    }
    errors
}

/// Refuses (422, naming each parameter) a query string with control characters or a date in
/// another shape, before routing.
pub async fn query_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let errors = check_query(req.query_string());
    if errors.is_empty() {
        return next.call(req).await.map(|r| r.map_into_left_body());
    }
    let res = AppError::Validation(errors).error_response();
    Ok(req.into_response(res).map_into_right_body())
}

/// Tells an absent field (`None`) from an explicit null (`Some(None)`).
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        let e = check_json(
            &json!({"name": "a\u{0}b", "notes": "line one\nline two\ttabbed",
                                   "rules": [{"source": "ok\r\n"}, {"practitioner_role": "x\ny"}]}),
        );
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "rules[1].practitioner_role"]);
        assert!(check_json(&json!({"notes": "bell\u{7}"}))[0]
            .message
            .contains("control"));
        assert!(check_json(&json!({"languages": ["en", "x\u{1b}"]}))[0].field == "languages[1]");
        assert!(check_json(&json!("\u{0}"))[0].field == "body");
    }

    #[test]
    fn dates_must_be_written_in_full() {
        assert!(check_json(&json!({"held_on": "2026-01-05"})).is_empty());
        for loose in [
            "2026-1-5",
            "2026-01-5",
            "26-01-05",
            "2026/01/05",
            " 2026-01-05",
        ] {
            let e = check_json(&json!({ "held_on": loose }));
            assert_eq!(e[0].field, "held_on", "{loose}");
        }
        assert!(check_json(&json!({"title": "2026-1-5"})).is_empty());
        assert_eq!(check_query("from=2026-1-5&q=x")[0].field, "from");
    }

    #[test]
    fn query_strings_are_checked_after_decoding() {
        assert_eq!(check_query("q=%00")[0].field, "q");
        assert_eq!(check_query("q=a%0Ab")[0].field, "q");
        assert!(check_query("q=J%C3%BCrgen+M&limit=5").is_empty());
    }
}
