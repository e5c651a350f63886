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

/// One short call to audit a change of one record:
/// `audit::of(actor, "competence", &id).created(conn, &after, at)?`.
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    actor_id: Option<&'a str>,
    entity_type: &'a str,
    entity_id: &'a str,
    service_id: Option<&'a str>,
}

/// The audit entry of the record `entity_type`/`entity_id`, changed by `actor_id`.
pub fn of<'a>(actor_id: &'a str, entity_type: &'a str, entity_id: &'a str) -> Entry<'a> {
    Entry {
        actor_id: Some(actor_id),
        entity_type,
        entity_id,
        service_id: None,
    }
}

/// The audit entry of a change the registry makes itself (no actor).
pub fn by_system<'a>(entity_type: &'a str, entity_id: &'a str) -> Entry<'a> {
    Entry {
        actor_id: None,
        entity_type,
        entity_id,
        service_id: None,
    }
}

impl<'a> Entry<'a> {
    /// An entry whose actor may be absent (a change the registry made itself).
    pub fn new(actor_id: Option<&'a str>, entity_type: &'a str, entity_id: &'a str) -> Self {
        Entry {
            actor_id,
            entity_type,
            entity_id,
            service_id: None,
        }
    }

    /// The service whose leads may read this event.
    pub fn in_service(mut self, service_id: Option<&'a str>) -> Self {
        self.service_id = service_id;
        self
    }

    pub fn created<T: Serialize>(
        self,
        conn: &mut DbConn,
        after: &T,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        self.write(conn, "create", None, snapshot(after)?, at)
    }

    pub fn updated<T: Serialize>(
        self,
        conn: &mut DbConn,
        before: &T,
        after: &T,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        self.write(conn, "update", snapshot(before)?, snapshot(after)?, at)
    }

    pub fn deleted<T: Serialize>(
        self,
        conn: &mut DbConn,
        before: &T,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        self.write(conn, "delete", snapshot(before)?, None, at)
    }

    /// Any other action, with what it changed.
    pub fn action(
        self,
        conn: &mut DbConn,
        action: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        self.write(conn, action, before, after, at)
    }

    /// The change, for [`record_all`].
    pub fn change(
        self,
        action: &'a str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Change<'a> {
        Change {
            actor_id: self.actor_id,
            action,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            service_id: self.service_id,
            before,
            after,
        }
    }

    fn write(
        self,
        conn: &mut DbConn,
        action: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        record(conn, self.change(action, before, after), at)
    }
}
