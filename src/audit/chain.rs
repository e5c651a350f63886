//! The audit trail as a hash chain: each event's hash is SHA-256 over the previous event's hash
//! and the event's stored fields (a JSON array, so the form is canonical). Changing, removing or
//! reordering a stored event breaks the chain from that event on.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event's stored fields, as the chain sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub id: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub service_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub fn hash(prev: &str, l: &Link) -> String {
    let canonical = serde_json::json!([
        prev,
        l.id,
        l.seq,
        crate::app::rfc3339(&l.at),
        l.actor_id,
        l.action,
        l.entity_type,
        l.entity_id,
        l.service_id,
        l.before,
        l.after,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Walks stored events in `seq` order from `(prev_hash, seq)`; answers where the walk ends, or
/// the id of the first event that breaks the chain.
pub fn walk(
    events: &[(Link, Option<String>, Option<String>)],
    mut prev: String,
    mut seq: i64,
) -> Result<(String, i64), String> {
    for (link, stored_prev, stored_hash) in events {
        let expected = hash(&prev, link);
        if link.seq != seq + 1
            || stored_prev.as_deref() != Some(prev.as_str())
            || stored_hash.as_deref() != Some(expected.as_str())
        {
            return Err(link.id.clone());
        }
        prev = expected;
        seq = link.seq;
    }
    Ok((prev, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(seq: i64, after: &str) -> Link {
        Link {
            id: format!("e{seq}"),
            seq,
            at: chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            actor_id: Some("a".into()),
            action: "update".into(),
            entity_type: "service".into(),
            entity_id: "s".into(),
            service_id: None,
            before: None,
            after: Some(after.into()),
        }
    }

    fn chain(n: i64) -> Vec<(Link, Option<String>, Option<String>)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let l = link(i, &format!("{{\"v\":{i}}}"));
                let h = hash(&prev, &l);
                let row = (l, Some(prev.clone()), Some(h.clone()));
                prev = h;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_walks_to_its_end() {
        let c = chain(4);
        assert_eq!(walk(&c, GENESIS.into(), 0).map(|(_, seq)| seq), Ok(4));
    }

    #[test]
    fn an_altered_removed_or_reordered_event_is_named() {
        let mut c = chain(4);
        c[2].0.after = Some("{\"v\":99}".into());
        assert_eq!(walk(&c, GENESIS.into(), 0), Err("e3".into()));
        let mut c = chain(4);
        c.remove(1);
        assert_eq!(walk(&c, GENESIS.into(), 0), Err("e3".into()));
        let mut c = chain(4);
        c.swap(1, 2);
        assert_eq!(walk(&c, GENESIS.into(), 0), Err("e3".into()));
    }
}
