//! The audit trail: every write records, in its own transaction, who did what to which record
//! with the values before and after. Secrets never reach it: records are audited through their
//! public views, which carry no password hashes or tokens.

pub mod chain;
pub mod special;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::{now, AppState};
use crate::auth::policy::{audit_scope, PeopleScope, SHARED_RECORDS};
use crate::auth::Auth;
use crate::db::schema::audit_events;
use crate::db::DbConn;
use crate::http::page::{Page, PageRequest};
use crate::http::{csv, resource, AppError};

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

/// A record's audited form.
pub fn snapshot<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
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

#[derive(Debug, Serialize, ToSchema)]
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

#[utoipa::path(
    get, path = "/api/v1/audit/verify", tag = "audit",
    description = "Walks the audit hash chain: whether every event is as written, in place, and linked to the one before.",
    responses((status = 200, body = Verification), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn verify_chain(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    audit_scope(&caller).ok_or_else(AppError::forbidden)?;
    Ok(HttpResponse::Ok().json(state.db(verify).await?))
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
fn list(
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

/// Every change, newest first. Admins see all; training leads their service's records.
/// `Accept: text/csv` exports every matching event.
#[utoipa::path(
    get, path = "/api/v1/audit/events", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = inline(Page<AuditEvent>), content_type = "application/json"),
        (status = 200, body = String, content_type = "text/csv"),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = audit_scope(&caller).ok_or_else(AppError::forbidden)?;
    let q = q.into_inner();
    let reveal = match q.special_category.as_deref() {
        None | Some("redact") => false,
        Some("reveal") if caller.is_admin() => true,
        Some("reveal") => return Err(AppError::forbidden()),
        Some(_) => {
            return Err(AppError::invalid(
                "special_category",
                "must be redact or reveal",
            ))
        }
    };
    if csv::wanted(&req) {
        if reveal {
            return Err(AppError::invalid(
                "special_category",
                "reveal is for the JSON pages, where each reading is recorded with the events it showed",
            ));
        }
        return csv::stream(
            &state,
            "audit-events.csv",
            &CSV_HEADER,
            EXPORT_BATCH,
            move |conn, p| {
                let (mut rows, next) = batch(conn, &scope, &q, p)?;
                rows.iter_mut().for_each(special::redact_event);
                Ok((rows, next))
            },
            csv_row,
        )
        .await;
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let rows = if reveal {
        state
            .write(move |conn| {
                let rows = list(conn, &scope, &q, &p)?;
                let shown = rows.len().min(p.limit as usize);
                special::record_reads(conn, &caller.id, &special::revealed(&rows[..shown]), now())?;
                Ok(rows)
            })
            .await?
    } else {
        let mut rows = state.db(move |conn| list(conn, &scope, &q, &p)).await?;
        rows.iter_mut().for_each(special::redact_event);
        rows
    };
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |e| &e.id)))
}

/// One page of events and the id to continue after, if there is more.
fn batch(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &AuditQuery,
    p: &PageRequest,
) -> Result<(Vec<AuditEvent>, Option<String>), AppError> {
    let mut rows = list(conn, scope, q, p)?;
    let more = rows.len() as i64 > p.limit;
    rows.truncate(p.limit as usize);
    let next = more.then(|| rows.last().map(|e| e.id.clone())).flatten();
    Ok((rows, next))
}

const EXPORT_BATCH: i64 = 1000;

const CSV_HEADER: [&str; 9] = [
    "id",
    "at",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "service_id",
    "before",
    "after",
];

fn csv_row(out: &mut String, e: &AuditEvent) {
    let json =
        |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    csv::push_row(
        out,
        &[
            e.id.clone(),
            crate::app::rfc3339(&e.at),
            e.actor_id.clone().unwrap_or_default(),
            e.action.clone(),
            e.entity_type.clone(),
            e.entity_id.clone(),
            e.service_id.clone().unwrap_or_default(),
            json(&e.before),
            json(&e.after),
        ],
    );
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/audit/events", "GET").route(web::get().to(list_events)))
        .service(resource("/audit/verify", "GET").route(web::get().to(verify_chain)));
}
