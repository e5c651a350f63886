//! Reminders: the lapse scan, the outbox and mail delivery, run on a schedule, by
//! `POST /admin/reminders/run`, or by `registry reminders run [--dry-run]`.

pub mod detect;
pub mod links;
pub mod queue;
pub mod rules;

pub mod queries;
pub mod routes;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::AppState;
use crate::audit;
use crate::auth::policy::{Caller, PeopleScope};
use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::http::page::PageRequest;
use crate::outbox::{self, deliver};
pub use routes::routes;
use rules::Kind;

#[derive(Debug, Default, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
pub struct RunReport {
    /// Lapses found (whether or not told before).
    pub detected: usize,
    /// Notifications new in this run.
    pub queued: usize,
    pub sent: usize,
    pub failed: usize,
    /// Milliseconds the scan and queueing took.
    pub scan_ms: u64,
    /// Milliseconds delivery took.
    pub delivery_ms: u64,
}

/// Whether failed deliveries wait out their back-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The background schedule: failed deliveries wait for their next attempt.
    Schedule,
    /// Someone asked for a run (`POST /admin/reminders/run`, `registry reminders run`): failed
    /// deliveries are retried at once.
    Now,
}

/// The scan and delivery.
pub async fn run(state: &AppState, trigger: Trigger) -> Result<RunReport, AppError> {
    let now = state.clock.now();
    let link = state.settings.public_base_url();
    let keys = state.tokens.clone();
    let started = std::time::Instant::now();
    let (detected, queued) = state
        .db(move |conn| {
            let t = std::time::Instant::now();
            let lapses = detect::detect(conn, now.date(), now)?;
            let detect_ms = t.elapsed().as_millis() as u64;
            let queued = queue::queue(conn, &lapses, &link, &keys, now)?;
            tracing::debug!(
                detect_ms,
                queue_ms = t.elapsed().as_millis() as u64 - detect_ms,
                "reminder scan"
            );
            Ok((lapses.len(), queued))
        })
        .await?;
    if trigger == Trigger::Now {
        state
            .write(move |conn| outbox::retry_now(conn, now))
            .await?;
    }
    let scan_ms = started.elapsed().as_millis() as u64;
    let (sent, failed) = deliver(state).await?;
    let delivery_ms = started.elapsed().as_millis() as u64 - scan_ms;
    state.metrics.record_scan(crate::counters::ScanFigures {
        at_unix: now.and_utc().timestamp(),
        scan_ms,
        delivery_ms,
        detected,
        queued,
        sent,
        failed,
    });
    let report = RunReport {
        detected,
        queued,
        sent,
        failed,
        scan_ms,
        delivery_ms,
    };
    tracing::info!(
        detected,
        queued,
        sent,
        failed,
        scan_ms,
        delivery_ms,
        "reminders run"
    );
    Ok(report)
}

/// What a run would queue, writing and sending nothing.
pub async fn dry_run(state: &AppState) -> Result<Vec<(String, String, String)>, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            let lapses = detect::detect(conn, now.date(), now)?;
            Ok(queue::unseen(conn, &lapses)?
                .into_iter()
                .map(|l| {
                    (
                        l.recipient_id.clone(),
                        l.kind.as_str().to_string(),
                        l.summary.clone(),
                    )
                })
                .collect())
        })
        .await
}

/// Runs the scan every `REGISTRY_REMINDER_INTERVAL_SECS` (0: never) on the current actix system.
pub fn schedule(state: AppState) {
    let every = state.settings.reminder_interval_secs;
    if every == 0 {
        tracing::info!("reminder schedule off");
        return;
    }
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(every));
        // The first tick is immediate: the first scan comes one interval after start-up.
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = run(&state, Trigger::Schedule).await {
                tracing::error!(error = %e, "reminders run failed");
            }
        }
    });
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// The delivery's state: `pending`, `sending`, `sent`, `failed` or `dead`.
    pub status: Option<String>,
    pub recipient_id: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct Notification {
    pub id: String,
    pub recipient_id: String,
    pub kind: String,
    pub urgent: bool,
    pub subject_id: Option<String>,
    pub summary: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<NaiveDate>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    pub delivery_id: Option<String>,
    pub status: Option<outbox::DeliveryStatus>,
    pub attempts: Option<i32>,
    pub last_error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Reminder kinds the caller turned off (never an urgent one).
    pub disabled: Vec<Kind>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesView {
    pub disabled: Vec<Kind>,
    /// Kinds that may be turned off.
    pub optional: Vec<Kind>,
    /// Expiry and overdue reminders, which stay on.
    pub always_on: Vec<Kind>,
}

fn view(disabled: Vec<Kind>) -> PreferencesView {
    PreferencesView {
        disabled,
        optional: Kind::ALL.into_iter().filter(|k| !k.urgent()).collect(),
        always_on: Kind::ALL.into_iter().filter(|k| k.urgent()).collect(),
    }
}

/// The outbox's `status` filter.
pub fn delivery_status(raw: Option<&str>) -> Result<Option<outbox::DeliveryStatus>, AppError> {
    raw.map(|s| {
        outbox::DeliveryStatus::parse(s).ok_or_else(|| {
            AppError::invalid("status", "must be pending, sending, sent, failed or dead")
        })
    })
    .transpose()
}

/// One page (up to `page.fetch()`) of the outbox in the scope, newest first.
pub fn list_notifications(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &NotificationQuery,
    page: &PageRequest,
) -> Result<Vec<Notification>, AppError> {
    let status = delivery_status(q.status.as_deref())?;
    queries::notifications(conn, scope, status, q.recipient_id.as_deref(), page)
}

/// Reads stored kinds; one this build does not know is an error, never silently dropped.
pub(crate) fn parse_kinds(text: &str) -> Result<Vec<Kind>, AppError> {
    text.split(',')
        .filter(|k| !k.is_empty())
        .map(|k| {
            Kind::parse(k).ok_or_else(|| {
                AppError::internal(format!("unknown reminder kind {k:?} in the preferences"))
            })
        })
        .collect()
}

/// The caller's reminder preferences.
pub fn preferences(conn: &mut DbConn, caller: &Caller) -> Result<PreferencesView, AppError> {
    let disabled = match queries::disabled_kinds(conn, &caller.id)? {
        Some(text) => parse_kinds(&text)?,
        None => Vec::new(),
    };
    Ok(view(disabled))
}

/// Replaces the kinds the caller turned off; urgent kinds cannot be, every one named at once.
pub fn set_preferences(
    conn: &mut DbConn,
    caller: &Caller,
    input: Preferences,
    at: NaiveDateTime,
) -> Result<PreferencesView, AppError> {
    let mut disabled = input.disabled;
    disabled.sort();
    disabled.dedup();
    let errors: Vec<FieldError> = disabled
        .iter()
        .enumerate()
        .filter(|(_, k)| k.urgent())
        .map(|(i, k)| {
            FieldError::new(
                format!("disabled[{i}]"),
                format!("{} reminders cannot be turned off", k.as_str()),
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let text = disabled
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let before = queries::disabled_kinds(conn, &caller.id)?;
    queries::put_disabled_kinds(conn, &caller.id, &text, before.is_some(), at)?;
    audit::of(&caller.id, "notification_preferences", &caller.id)
        .in_service(caller.service_id.as_deref())
        .action(
            conn,
            "update",
            before.map(|b| serde_json::json!({"disabled": b})),
            Some(serde_json::json!({"disabled": text})),
            at,
        )?;
    Ok(view(disabled))
}
