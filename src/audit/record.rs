//! The audit writer: every write records, in its own transaction, who did what to which
//! record with the values before and after, linked into the SHA-256 hash chain. No HTTP here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::chain;
use crate::db::schema::audit_events;
use crate::db::DbConn;
use crate::error::AppError;

/// One change about to be recorded.
pub struct Change<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub service_id: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A record's audited form. A record that cannot be written as JSON is an error, never a
/// silent null in the tamper-evident trail.
pub fn snapshot<T: Serialize>(value: &T) -> Result<Option<serde_json::Value>, AppError> {
    serde_json::to_value(value).map(Some).map_err(|e| {
        AppError::internal(format!("cannot record a snapshot for the audit trail: {e}"))
    })
}

pub fn record(conn: &mut DbConn, change: Change<'_>, now: NaiveDateTime) -> Result<(), AppError> {
    record_all(conn, vec![change], now)
}

/// Records several changes in order, taking the chain's lock and reading its tail once.
pub fn record_all(
    conn: &mut DbConn,
    changes: Vec<Change<'_>>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if changes.is_empty() {
        return Ok(());
    }
    // One writer at a time extends the chain: on PostgreSQL a transaction-scoped lock, on
    // SQLite the IMMEDIATE transaction every write runs in.
    if let DbConn::Postgresql(_) = conn {
        diesel::connection::SimpleConnection::batch_execute(
            conn,
            "SELECT pg_advisory_xact_lock(7355609)",
        )?;
    }
    let last: Option<(Option<i64>, Option<String>)> = audit_events::table
        .filter(audit_events::seq.is_not_null())
        .order(audit_events::seq.desc())
        .select((audit_events::seq, audit_events::hash))
        .first(conn)
        .optional()?;
    let (mut prev_seq, mut prev_hash) = match last {
        Some((Some(seq), Some(hash))) => (seq, hash),
        _ => (0, chain::GENESIS.to_string()),
    };
    for change in changes {
        let link = chain::Link {
            id: uuid::Uuid::now_v7().to_string(),
            seq: prev_seq + 1,
            at: now,
            actor_id: change.actor_id.map(str::to_string),
            action: change.action.to_string(),
            entity_type: change.entity_type.to_string(),
            entity_id: change.entity_id.to_string(),
            service_id: change.service_id.map(str::to_string),
            before: change.before.map(|v| v.to_string()),
            after: change.after.map(|v| v.to_string()),
        };
        let hash = chain::hash(&prev_hash, &link);
        diesel::insert_into(audit_events::table)
            .values((
                audit_events::id.eq(&link.id),
                audit_events::at.eq(link.at),
                audit_events::actor_id.eq(&link.actor_id),
                audit_events::action.eq(&link.action),
                audit_events::entity_type.eq(&link.entity_type),
                audit_events::entity_id.eq(&link.entity_id),
                audit_events::service_id.eq(&link.service_id),
                audit_events::before_value.eq(&link.before),
                audit_events::after_value.eq(&link.after),
                audit_events::seq.eq(link.seq),
                audit_events::prev_hash.eq(&prev_hash),
                audit_events::hash.eq(&hash),
            ))
            .execute(conn)?;
        prev_seq = link.seq;
        prev_hash = hash;
    }
    Ok(())
}
