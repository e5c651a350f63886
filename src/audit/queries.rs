//! Reading the trail: the chain walk and the event lists. Diesel only.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::chain;
use crate::auth::policy::{PeopleScope, SHARED_RECORDS};
use crate::db::schema::audit_events;
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ChainVerification)]
pub struct Verification {
    pub intact: bool,
    /// Events checked.
    pub events: i64,
    /// The first event whose stored values, place or link do not match, if any.
    pub first_broken_event_id: Option<String>,
}

type ChainRow = (
    String,
    Option<i64>,
    NaiveDateTime,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Walks the whole chain, a thousand events at a time.
pub fn verify(conn: &mut DbConn) -> Result<Verification, AppError> {
    let (mut prev, mut seq, mut events) = (chain::GENESIS.to_string(), 0_i64, 0_i64);
    loop {
        let rows: Vec<ChainRow> = audit_events::table
            .filter(audit_events::seq.gt(seq))
            .order(audit_events::seq.asc())
            .limit(1000)
            .select((
                audit_events::id,
                audit_events::seq,
                audit_events::at,
                audit_events::actor_id,
                audit_events::action,
                audit_events::entity_type,
                audit_events::entity_id,
                audit_events::service_id,
                audit_events::before_value,
                audit_events::after_value,
                audit_events::prev_hash,
                audit_events::hash,
            ))
            .load(conn)?;
        if rows.is_empty() {
            return Ok(Verification {
                intact: true,
                events,
                first_broken_event_id: None,
            });
        }
        let batch: Vec<(chain::Link, Option<String>, Option<String>)> = rows
            .into_iter()
            .map(
                |(
                    id,
                    s,
                    at,
                    actor_id,
                    action,
                    entity_type,
                    entity_id,
                    service_id,
                    before,
                    after,
                    p,
                    h,
                )| {
                    let link = chain::Link {
                        id,
                        seq: s.unwrap_or_default(),
                        at,
                        actor_id,
                        action,
                        entity_type,
                        entity_id,
                        service_id,
                        before,
                        after,
                    };
                    (link, p, h)
                },
            )
            .collect();
        events += batch.len() as i64;
        match chain::walk(&batch, prev, seq) {
            Ok((p, s)) => {
                prev = p;
                seq = s;
            }
            Err(broken) => {
                return Ok(Verification {
                    intact: false,
                    events,
                    first_broken_event_id: Some(broken),
                })
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    /// Who made the change; null for the system (start-up, migrations, the command line).
    pub actor_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub service_id: Option<String>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    /// Special-category values (ethnicity, languages) are shown as `"redacted"` unless an admin
    /// asks for `reveal`; each reveal is itself recorded, against the person whose data was read.
    pub special_category: Option<String>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

type EventRow = (
    String,
    NaiveDateTime,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Newest first.
pub fn list(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &AuditQuery,
    page: &PageRequest,
) -> Result<Vec<AuditEvent>, AppError> {
    let mut query = audit_events::table.into_boxed();
    if let PeopleScope::Service(s) = scope {
        // Their service's events, and changes to the shared records every service relies on.
        query = query.filter(
            audit_events::service_id
                .eq(s.clone())
                .or(audit_events::service_id
                    .is_null()
                    .and(audit_events::entity_type.eq_any(SHARED_RECORDS))),
        );
    }
    if let Some(v) = &q.entity_type {
        query = query.filter(audit_events::entity_type.eq(v.clone()));
    }
    if let Some(v) = &q.entity_id {
        query = query.filter(audit_events::entity_id.eq(v.clone()));
    }
    if let Some(v) = &q.actor_id {
        query = query.filter(audit_events::actor_id.eq(v.clone()));
    }
    if let Some(after) = &page.after {
        query = query.filter(audit_events::id.lt(after.clone()));
    }
    let rows: Vec<EventRow> = query
        .order(audit_events::id.desc())
        .limit(page.fetch())
        .select((
            audit_events::id,
            audit_events::at,
            audit_events::actor_id,
            audit_events::action,
            audit_events::entity_type,
            audit_events::entity_id,
            audit_events::service_id,
            audit_events::before_value,
            audit_events::after_value,
        ))
        .load(conn)?;
    let json = |v: Option<String>| v.and_then(|s| serde_json::from_str(&s).ok());
    Ok(rows
        .into_iter()
        .map(
            |(id, at, actor_id, action, entity_type, entity_id, service_id, before, after)| {
                AuditEvent {
                    id,
                    actor_id,
                    action,
                    entity_type,
                    entity_id,
                    service_id,
                    at,
                    before: json(before),
                    after: json(after),
                }
            },
        )
        .collect())
}

/// One page of events and the id to continue after, if there is more.
pub fn batch(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &AuditQuery,
    p: &PageRequest,
) -> Result<(Vec<AuditEvent>, Option<String>), AppError> {
    Ok(p.split(list(conn, scope, q, p)?, |e| &e.id))
}
