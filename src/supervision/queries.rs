//! Supervision queries: logs, the policy, and compliance for any number of people in a fixed
//! number of queries (rules, window logs, latest session per kind), never one per person.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::{
    self, ComplianceStatus, Format, Formats, LogFact, LogStatus, Rule, SupervisionType,
};
use crate::auth::policy::{log_scope, roles_from_text, Caller, LogScope, Role};
use crate::db::schema::{supervision_logs, supervision_policy_rules, users};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = supervision_logs)]
pub struct SupervisionLog {
    pub id: String,
    pub supervisee_id: String,
    pub supervisor_id: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
    pub supervision_type: SupervisionType,
    pub format: Format,
    pub group_size: Option<i32>,
    pub cases_discussed: Option<i32>,
    /// Free text. No patient-identifiable data belongs here.
    pub notes: Option<String>,
    pub status: LogStatus,
    pub rejection_reason: Option<String>,
    /// When the supervisor signed off or rejected it.
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_by: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// A log with the service of its supervisee, for permission checks.
pub fn find_log(
    conn: &mut DbConn,
    id: &str,
) -> Result<Option<(SupervisionLog, Option<String>)>, AppError> {
    Ok(supervision_logs::table
        .inner_join(users::table.on(supervision_logs::supervisee_id.eq(users::id)))
        .filter(supervision_logs::id.eq(id))
        .select((SupervisionLog::as_select(), users::service_id))
        .first(conn)
        .optional()?)
}

/// Several logs with their supervisees' services, in one query (in no particular order).
pub fn find_logs(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<Vec<(SupervisionLog, Option<String>)>, AppError> {
    Ok(supervision_logs::table
        .inner_join(users::table.on(supervision_logs::supervisee_id.eq(users::id)))
        .filter(supervision_logs::id.eq_any(ids))
        .select((SupervisionLog::as_select(), users::service_id))
        .load(conn)?)
}

/// Signs off several submitted logs at once; answers how many changed.
pub fn sign_off_logs(
    conn: &mut DbConn,
    ids: &[String],
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        supervision_logs::table
            .filter(supervision_logs::id.eq_any(ids))
            .filter(supervision_logs::status.eq(LogStatus::Submitted.as_str())),
    )
    .set((
        supervision_logs::status.eq(LogStatus::SignedOff.as_str()),
        supervision_logs::rejection_reason.eq(None::<String>),
        supervision_logs::reviewed_at.eq(Some(at)),
        supervision_logs::updated_at.eq(at),
    ))
    .execute(conn)?)
}

pub fn insert_log(conn: &mut DbConn, log: &SupervisionLog) -> Result<(), AppError> {
    diesel::insert_into(supervision_logs::table)
        .values((
            supervision_logs::id.eq(&log.id),
            supervision_logs::supervisee_id.eq(&log.supervisee_id),
            supervision_logs::supervisor_id.eq(&log.supervisor_id),
            supervision_logs::held_on.eq(log.held_on),
            supervision_logs::duration_minutes.eq(log.duration_minutes),
            supervision_logs::supervision_type.eq(&log.supervision_type),
            supervision_logs::format.eq(&log.format),
            supervision_logs::group_size.eq(log.group_size),
            supervision_logs::cases_discussed.eq(log.cases_discussed),
            supervision_logs::notes.eq(&log.notes),
            supervision_logs::status.eq(&log.status),
            supervision_logs::rejection_reason.eq(&log.rejection_reason),
            supervision_logs::reviewed_at.eq(log.reviewed_at),
            supervision_logs::created_by.eq(&log.created_by),
            supervision_logs::created_at.eq(log.created_at),
            supervision_logs::updated_at.eq(log.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes every changeable column, only while the stored log is still in `expected_status`;
/// returns whether it was written (a concurrent sign-off makes it false).
pub fn update_log(
    conn: &mut DbConn,
    log: &SupervisionLog,
    expected_status: LogStatus,
) -> Result<bool, AppError> {
    let n = diesel::update(
        supervision_logs::table
            .filter(supervision_logs::id.eq(&log.id))
            .filter(supervision_logs::status.eq(expected_status)),
    )
    .set((
        supervision_logs::supervisor_id.eq(&log.supervisor_id),
        supervision_logs::held_on.eq(log.held_on),
        supervision_logs::duration_minutes.eq(log.duration_minutes),
        supervision_logs::supervision_type.eq(&log.supervision_type),
        supervision_logs::format.eq(&log.format),
        supervision_logs::group_size.eq(log.group_size),
        supervision_logs::cases_discussed.eq(log.cases_discussed),
        supervision_logs::notes.eq(&log.notes),
        supervision_logs::status.eq(&log.status),
        supervision_logs::rejection_reason.eq(&log.rejection_reason),
        supervision_logs::reviewed_at.eq(log.reviewed_at),
        supervision_logs::updated_at.eq(log.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Default, Clone)]
pub struct LogFilter {
    pub supervisee_id: Option<String>,
    pub supervisor_id: Option<String>,
    pub status: Option<LogStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One page of the logs the caller may see, newest first.
pub fn list_logs(
    conn: &mut DbConn,
    caller: &Caller,
    f: &LogFilter,
    page: &PageRequest,
) -> Result<Vec<SupervisionLog>, AppError> {
    let mut q = supervision_logs::table
        .inner_join(users::table.on(supervision_logs::supervisee_id.eq(users::id)))
        .select(SupervisionLog::as_select())
        .into_boxed();
    let me = caller.id.clone();
    let mine = supervision_logs::supervisee_id
        .eq(me.clone())
        .or(supervision_logs::supervisor_id.eq(me));
    q = match log_scope(caller) {
        LogScope::All => q,
        LogScope::MineAndService(service) => {
            q.filter(mine.or(users::service_id.eq(service).assume_not_null()))
        }
        LogScope::Mine => q.filter(mine),
    };
    if let Some(v) = &f.supervisee_id {
        q = q.filter(supervision_logs::supervisee_id.eq(v.clone()));
    }
    if let Some(v) = &f.supervisor_id {
        q = q.filter(supervision_logs::supervisor_id.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        q = q.filter(supervision_logs::status.eq(*v));
    }
    if let Some(v) = f.from {
        q = q.filter(supervision_logs::held_on.ge(v));
    }
    if let Some(v) = f.to {
        q = q.filter(supervision_logs::held_on.le(v));
    }
    if let Some(after) = &page.after {
        q = q.filter(supervision_logs::id.lt(after.clone()));
    }
    Ok(q.order(supervision_logs::id.desc())
        .limit(page.fetch())
        .load(conn)?)
}

/// Whether the caller may see a person's compliance and what is built on it (their evidence
/// pack): `policy::can_view_compliance`, with "named the caller in the last 12 months" looked up
/// only when nothing else already allows it.
pub fn may_view_compliance(
    conn: &mut DbConn,
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
    today: NaiveDate,
) -> Result<bool, AppError> {
    use crate::auth::policy::{can_view_compliance, could_be_named};
    if can_view_compliance(caller, person_id, person_service, false) {
        return Ok(true);
    }
    let named = could_be_named(caller)
        && named_since(conn, person_id, &caller.id, today - Duration::days(365))?;
    Ok(can_view_compliance(
        caller,
        person_id,
        person_service,
        named,
    ))
}

/// Whether `supervisee` named `supervisor` on a log held since `since`.
pub fn named_since(
    conn: &mut DbConn,
    supervisee: &str,
    supervisor: &str,
    since: NaiveDate,
) -> Result<bool, AppError> {
    let found: Option<String> = supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq(supervisee))
        .filter(supervision_logs::supervisor_id.eq(supervisor))
        .filter(supervision_logs::held_on.ge(since))
        .select(supervision_logs::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// One row of the policy, as stored and as the API shows it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = supervision_policy_rules)]
pub struct PolicyRow {
    pub id: String,
    pub practitioner_role: String,
    pub stage: Option<String>,
    pub supervision_type: SupervisionType,
    pub min_minutes: i32,
    pub window_days: i32,
    pub formats: Formats,
    pub max_group_size: Option<i32>,
    pub source: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `None`: the registry-wide rule; else that service's own.
    pub service_id: Option<String>,
}

impl PolicyRow {
    pub fn formats(&self) -> Vec<Format> {
        self.formats.0.clone()
    }

    /// The rule this row states.
    pub fn rule(&self) -> Rule {
        Rule {
            supervision_type: self.supervision_type,
            min_minutes: self.min_minutes,
            window_days: self.window_days,
            formats: self.formats(),
            max_group_size: self.max_group_size,
        }
    }
}

/// The rows that apply to one person: for each supervision type, their service's own rows
/// where it has any that apply to them, else the registry's. Written once, for compliance,
/// the reports, the calendar and the reminders.
pub fn rows_for<'a>(
    policy: &'a [PolicyRow],
    service: Option<&str>,
    role: Option<&str>,
    stage: Option<&str>,
    is_supervisor: bool,
) -> Vec<&'a PolicyRow> {
    let applying: Vec<&PolicyRow> = policy
        .iter()
        .filter(|r| r.service_id.is_none() || r.service_id.as_deref() == service)
        .filter(|r| {
            rules::applies(
                &r.practitioner_role,
                r.stage.as_deref(),
                role,
                stage,
                is_supervisor,
            )
        })
        .collect();
    let overridden: std::collections::HashSet<SupervisionType> = applying
        .iter()
        .filter(|r| r.service_id.is_some())
        .map(|r| r.supervision_type)
        .collect();
    applying
        .into_iter()
        .filter(|r| r.service_id.is_some() || !overridden.contains(&r.supervision_type))
        .collect()
}

/// Every row: the registry's and every service's (callers pick with [`rows_for`]).
pub fn load_policy(conn: &mut DbConn) -> Result<Vec<PolicyRow>, AppError> {
    Ok(supervision_policy_rules::table
        .select(PolicyRow::as_select())
        .order((
            supervision_policy_rules::position.asc(),
            supervision_policy_rules::id.asc(),
        ))
        .load(conn)?)
}

/// Who compliance is computed for.
#[derive(Debug, Clone, Queryable)]
pub struct Subject {
    pub id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<String>,
    pub wte: Option<f64>,
    pub started_on: Option<NaiveDate>,
    pub roles: String,
}

pub type SubjectColumns = (
    users::id,
    users::full_name,
    users::service_id,
    users::practitioner_role,
    users::stage,
    users::wte,
    users::started_on,
    users::roles,
);

pub const SUBJECT_COLUMNS: SubjectColumns = (
    users::id,
    users::full_name,
    users::service_id,
    users::practitioner_role,
    users::stage,
    users::wte,
    users::started_on,
    users::roles,
);

pub fn subject(conn: &mut DbConn, id: &str) -> Result<Option<Subject>, AppError> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(SUBJECT_COLUMNS)
        .first(conn)
        .optional()?)
}

/// One rule's verdict for one person, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplianceItem {
    pub supervision_type: SupervisionType,
    pub required_minutes: i32,
    pub achieved_minutes: i32,
    /// Minutes in the window still waiting for the supervisor's sign-off.
    pub unsigned_minutes: i32,
    pub window_days: i32,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_held_on: Option<NaiveDate>,
    #[schema(value_type = String, format = Date)]
    pub next_due_on: NaiveDate,
    pub status: ComplianceStatus,
}

type LogFactRow = (
    String,
    NaiveDate,
    i32,
    SupervisionType,
    Format,
    Option<i32>,
    LogStatus,
);
type LatestRow = (
    String,
    SupervisionType,
    Format,
    Option<i32>,
    Option<NaiveDate>,
);

/// Compliance of each subject on `today`, in three queries whatever their number: the logs of
/// the widest window, and the latest session per kind (for `last_held_on` before the window).
pub fn compliance(
    conn: &mut DbConn,
    policy: &[PolicyRow],
    subjects: &[Subject],
    today: NaiveDate,
) -> Result<HashMap<String, Vec<ComplianceItem>>, AppError> {
    let mut out: HashMap<String, Vec<ComplianceItem>> = HashMap::new();
    if subjects.is_empty() {
        return Ok(out);
    }
    let widest = policy.iter().map(|r| r.window_days).max().unwrap_or(0);
    let ids: Vec<&str> = subjects.iter().map(|s| s.id.as_str()).collect();
    let since = today - Duration::days(i64::from(widest));
    let window_rows: Vec<LogFactRow> = supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq_any(&ids))
        .filter(supervision_logs::status.ne(LogStatus::Rejected))
        .filter(supervision_logs::held_on.gt(since))
        .filter(supervision_logs::held_on.le(today))
        .select((
            supervision_logs::supervisee_id,
            supervision_logs::held_on,
            supervision_logs::duration_minutes,
            supervision_logs::supervision_type,
            supervision_logs::format,
            supervision_logs::group_size,
            supervision_logs::status,
        ))
        .load(conn)?;
    let latest_rows: Vec<LatestRow> = supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq_any(&ids))
        .filter(supervision_logs::status.ne(LogStatus::Rejected))
        .filter(supervision_logs::held_on.le(today))
        .group_by((
            supervision_logs::supervisee_id,
            supervision_logs::supervision_type,
            supervision_logs::format,
            supervision_logs::group_size,
        ))
        .select((
            supervision_logs::supervisee_id,
            supervision_logs::supervision_type,
            supervision_logs::format,
            supervision_logs::group_size,
            max(supervision_logs::held_on),
        ))
        .load(conn)?;

    let mut window: HashMap<&str, Vec<LogFact>> = HashMap::new();
    for (who, held_on, minutes, t, f, size, status) in &window_rows {
        window.entry(who.as_str()).or_default().push(LogFact {
            held_on: *held_on,
            minutes: *minutes,
            supervision_type: *t,
            format: *f,
            group_size: *size,
            status: *status,
        });
    }
    let mut latest: HashMap<&str, Vec<LogFact>> = HashMap::new();
    for (who, t, f, size, held_on) in &latest_rows {
        if let Some(d) = held_on {
            latest.entry(who.as_str()).or_default().push(LogFact {
                held_on: *d,
                minutes: 0,
                supervision_type: *t,
                format: *f,
                group_size: *size,
                status: LogStatus::SignedOff,
            });
        }
    }
    for s in subjects {
        let is_supervisor = roles_from_text(&s.roles).contains(&Role::Supervisor);
        let logs = window.get(s.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let kinds = latest.get(s.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let items = out.entry(s.id.clone()).or_default();
        for row in rows_for(
            policy,
            s.service_id.as_deref(),
            s.practitioner_role.as_deref(),
            s.stage.as_deref(),
            is_supervisor,
        ) {
            let rule = row.rule();
            let c = rules::evaluate(&rule, s.wte.unwrap_or(1.0), s.started_on, logs, today);
            let before_window = kinds
                .iter()
                .filter(|k| rules::counts(&rule, k))
                .map(|k| k.held_on)
                .max();
            items.push(ComplianceItem {
                supervision_type: rule.supervision_type,
                required_minutes: c.required_minutes,
                achieved_minutes: c.achieved_minutes,
                unsigned_minutes: c.unsigned_minutes,
                window_days: rule.window_days,
                last_held_on: c.last_held_on.max(before_window),
                next_due_on: c.next_due_on,
                status: c.status,
            });
        }
    }
    Ok(out)
}
