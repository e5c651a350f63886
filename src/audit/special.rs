//! Special-category data (UK GDPR Article 9: here ethnicity and languages) in the audit trail.
//! The trail keeps the values so a change's history is complete; reading them back is redacted
//! unless an admin asks, and every such reading is itself recorded against the person.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::{record_all, AuditEvent, Change};
use crate::db::DbConn;
use crate::error::AppError;

/// Keys of audited values that hold special-category data.
pub const FIELDS: [&str; 2] = ["ethnicity", "languages"];

/// The special-category fields holding a value in an audited object.
pub fn present(v: &Value) -> Vec<&'static str> {
    FIELDS
        .into_iter()
        .filter(|k| v.get(k).is_some_and(|x| !x.is_null()))
        .collect()
}

/// Replaces each special-category value with `"redacted"` (a null stays null).
pub fn redact(v: &mut Value) {
    if let Some(obj) = v.as_object_mut() {
        for k in FIELDS {
            if let Some(x) = obj.get_mut(k) {
                if !x.is_null() {
                    *x = Value::String("redacted".into());
                }
            }
        }
    }
}

pub fn redact_event(e: &mut AuditEvent) {
    e.before
        .iter_mut()
        .chain(e.after.iter_mut())
        .for_each(redact);
}

/// A reading of special-category values: whose, in which event, which fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub entity_type: String,
    pub entity_id: String,
    pub service_id: Option<String>,
    pub event_id: String,
    pub fields: Vec<&'static str>,
}

/// The special-category values these events show.
pub fn revealed(events: &[AuditEvent]) -> Vec<Read> {
    events
        .iter()
        .filter_map(|e| {
            let mut fields: Vec<&'static str> = e
                .before
                .iter()
                .chain(e.after.iter())
                .flat_map(present)
                .collect();
            fields.sort_unstable();
            fields.dedup();
            (!fields.is_empty()).then(|| Read {
                entity_type: e.entity_type.clone(),
                entity_id: e.entity_id.clone(),
                service_id: e.service_id.clone(),
                event_id: e.id.clone(),
                fields,
            })
        })
        .collect()
}

/// Records one `read_special_category` event per person whose values were shown, naming the
/// events and fields, so `GET /audit/events?entity_id=` answers who has read them.
pub fn record_reads(
    conn: &mut DbConn,
    reader_id: &str,
    reads: &[Read],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let mut people: Vec<&Read> = Vec::new();
    for r in reads {
        if !people.iter().any(|p| p.entity_id == r.entity_id) {
            people.push(r);
        }
    }
    let changes = people
        .into_iter()
        .map(|p| {
            let mine: Vec<&Read> = reads
                .iter()
                .filter(|r| r.entity_id == p.entity_id)
                .collect();
            let mut fields: Vec<&str> =
                mine.iter().flat_map(|r| r.fields.iter().copied()).collect();
            fields.sort_unstable();
            fields.dedup();
            let events: Vec<&str> = mine.iter().map(|r| r.event_id.as_str()).collect();
            Change {
                actor_id: Some(reader_id),
                action: "read_special_category",
                entity_type: &p.entity_type,
                entity_id: &p.entity_id,
                service_id: p.service_id.as_deref(),
                before: None,
                after: Some(serde_json::json!({"fields": fields, "audit_event_ids": events})),
            }
        })
        .collect();
    // The chain's tail is read once for the whole page, not once per person.
    record_all(conn, changes, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(before: Option<Value>, after: Option<Value>) -> AuditEvent {
        AuditEvent {
            id: "e1".into(),
            actor_id: None,
            action: "update".into(),
            entity_type: "practitioner".into(),
            entity_id: "p1".into(),
            service_id: None,
            at: chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap(),
            before,
            after,
        }
    }

    #[test]
    fn values_are_redacted_and_nulls_kept() {
        let mut e = event(
            Some(json!({"ethnicity": null, "languages": ["Urdu"], "full_name": "A"})),
            Some(json!({"ethnicity": "H", "languages": ["Urdu"], "full_name": "A"})),
        );
        let reads = revealed(std::slice::from_ref(&e));
        assert_eq!(reads.len(), 1);
        assert_eq!(reads[0].fields, vec!["ethnicity", "languages"]);
        redact_event(&mut e);
        assert_eq!(e.before.as_ref().unwrap()["ethnicity"], Value::Null);
        assert_eq!(e.before.as_ref().unwrap()["languages"], "redacted");
        assert_eq!(e.after.as_ref().unwrap()["ethnicity"], "redacted");
        assert_eq!(e.after.as_ref().unwrap()["full_name"], "A");
    }

    #[test]
    fn events_without_special_values_are_not_reads() {
        let e = event(None, Some(json!({"name": "West", "ethnicity": null})));
        assert!(revealed(&[e]).is_empty());
    }
}
