//! `GET /audit`: the audit trail for training leads (their service's) and admins, newest first,
//! filtered by record, record id and who made the change, a page at a time; "Verify the trail"
//! walks the hash chain and says whether it is intact or where it first breaks. Over
//! `audit::read_events` and `audit::queries::verify`, as `GET /audit/events` and
//! `GET /audit/verify`; special-category values stay redacted here.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::page::{render, Chrome};
use super::session::Signed;
use crate::app::AppState;
use crate::audit::{AuditEvent, AuditQuery};
use crate::auth::policy::{audit_scope, may_open, Area, SpecialCategoryView};
use crate::error::AppError;
use crate::http::page::{encode_cursor, PageRequest};

const PAGE_ROWS: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub cursor: Option<String>,
    /// Present: walk the chain too.
    pub verify: Option<String>,
}

pub struct Row {
    pub when: String,
    pub who: String,
    pub action: String,
    pub record: String,
    pub record_href: String,
    pub changed: String,
}

#[derive(Template)]
#[template(path = "web/audit.html")]
struct Page {
    chrome: Chrome,
    entity_type: String,
    entity_id: String,
    actor_id: String,
    /// After "Verify the trail": (intact, the sentence).
    verified: Option<(bool, String)>,
    rows: Vec<Row>,
    next_href: Option<String>,
}

/// The fields a change touched, in words: "status, verified_at".
fn changed(e: &AuditEvent) -> String {
    let keys = |v: &Option<serde_json::Value>| -> Vec<(String, serde_json::Value)> {
        v.as_ref()
            .and_then(|v| v.as_object())
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let (before, after) = (keys(&e.before), keys(&e.after));
    let mut out: Vec<String> = after
        .iter()
        .filter(|(k, v)| {
            !matches!(k.as_str(), "updated_at" | "created_at")
                && before.iter().find(|(b, _)| b == k).map(|(_, bv)| bv) != Some(v)
        })
        .map(|(k, _)| k.replace('_', " "))
        .collect();
    if after.is_empty() && !before.is_empty() {
        out.push("removed".into());
    }
    out.truncate(8);
    out.join(", ")
}

fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let caller = signed.caller.clone();
    let scope = audit_scope(&caller)
        .filter(|_| may_open(&caller, Area::Leading))
        .ok_or(AppError::NotFound)?;
    let q = q.into_inner();
    let filter = AuditQuery {
        entity_type: clean(q.entity_type),
        entity_id: clean(q.entity_id),
        actor_id: clean(q.actor_id),
        special_category: None,
        limit: None,
        cursor: None,
    };
    let page = PageRequest::parse(Some(PAGE_ROWS), clean(q.cursor).as_deref())?;
    let verify = q.verify.is_some();
    let now = state.clock.now();
    let kept = serde_urlencoded::to_string(
        [
            ("entity_type", &filter.entity_type),
            ("entity_id", &filter.entity_id),
            ("actor_id", &filter.actor_id),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let (entity_type, entity_id, actor_id) = (
        filter.entity_type.clone().unwrap_or_default(),
        filter.entity_id.clone().unwrap_or_default(),
        filter.actor_id.clone().unwrap_or_default(),
    );
    let who = caller.id.clone();
    let p = page.clone();
    let (events, names, verification) = state
        .db(move |conn| {
            let events = crate::audit::read_events(
                conn,
                &who,
                &scope,
                &filter,
                &p,
                SpecialCategoryView::Redact,
                now,
            )?;
            let actors: Vec<&str> = events
                .iter()
                .filter_map(|e| e.actor_id.as_deref())
                .collect();
            let names = crate::db::names::people(conn, &actors)?;
            let verification = if verify {
                Some(crate::audit::queries::verify(conn)?)
            } else {
                None
            };
            Ok((events, names, verification))
        })
        .await?;
    let more = events.len() as i64 > page.limit;
    let last = events
        .get(events.len().min(page.limit as usize).wrapping_sub(1))
        .map(|e| e.id.clone());
    let rows = events
        .iter()
        .take(page.limit as usize)
        .map(|e| Row {
            when: e.at.format("%-d %b %Y %H:%M").to_string(),
            who: match &e.actor_id {
                None => "The registry".into(),
                Some(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
            },
            action: e.action.replace('_', " "),
            record: format!("{} {}", e.entity_type.replace('_', " "), e.entity_id),
            record_href: format!(
                "/audit?{}",
                serde_urlencoded::to_string([
                    ("entity_type", e.entity_type.as_str()),
                    ("entity_id", e.entity_id.as_str()),
                ])
                .unwrap_or_default()
            ),
            changed: changed(e),
        })
        .collect();
    let verified = verification.map(|v| match v.first_broken_event_id {
        None => (
            true,
            format!(
                "The trail is intact: all {} events are as they were written, in order.",
                v.events
            ),
        ),
        Some(id) => (
            false,
            format!(
                "The trail is broken: event {id} is not as it was written, or not where it was. Every event after it is unproven. Tell your registry's administrator."
            ),
        ),
    });
    let sep = if kept.is_empty() { "" } else { "&" };
    render(
        StatusCode::OK,
        &Page {
            chrome: Chrome::signed_in(&signed.caller, &signed.csrf, "Audit trail", "/audit"),
            entity_type,
            entity_id,
            actor_id,
            verified,
            rows,
            next_href: match (more, last) {
                (true, Some(id)) => {
                    Some(format!("/audit?{kept}{sep}cursor={}", encode_cursor(&id)))
                }
                _ => None,
            },
        },
    )
}
