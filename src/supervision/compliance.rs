//! Supervision compliance: which policy rows apply to a person (written once), and each
//! person's verdicts, for the compliance endpoint, the reports, the calendar and the reminders.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use super::model::{ComplianceItem, LogView, PolicyRow, Subject, SupervisionLog};
use super::queries::{self, LatestRow};
use super::rules::{self, LogFact, LogStatus, SupervisionType};
use crate::auth::policy::{roles_from_text, Caller, Role};
use crate::db::DbConn;
use crate::error::AppError;

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
        && queries::named_since(conn, person_id, &caller.id, today - Duration::days(365))?;
    Ok(can_view_compliance(
        caller,
        person_id,
        person_service,
        named,
    ))
}

/// Compliance of each subject on `today`, in three queries whatever their number: the logs of
/// the widest window, and the latest session per kind (for `last_held_on` before the window).
pub fn compliance_with(
    conn: &mut DbConn,
    policy: &[PolicyRow],
    subjects: &[Subject],
    today: NaiveDate,
) -> Result<HashMap<String, Vec<ComplianceItem>>, AppError> {
    evaluate_with(conn, policy, subjects, today, true)
}

/// Compliance of each subject on `today` in two queries (the policy and the window's logs),
/// leaving `last_held_on` to the window: what a count of statuses needs.
pub fn statuses(
    conn: &mut DbConn,
    subjects: &[Subject],
    today: NaiveDate,
) -> Result<HashMap<String, Vec<ComplianceItem>>, AppError> {
    let policy = queries::load_policy(conn)?;
    evaluate_with(conn, &policy, subjects, today, false)
}

fn evaluate_with(
    conn: &mut DbConn,
    policy: &[PolicyRow],
    subjects: &[Subject],
    today: NaiveDate,
    before_window: bool,
) -> Result<HashMap<String, Vec<ComplianceItem>>, AppError> {
    if subjects.is_empty() {
        return Ok(HashMap::new());
    }
    let widest = policy.iter().map(|r| r.window_days).max().unwrap_or(0);
    let ids: Vec<&str> = subjects.iter().map(|s| s.id.as_str()).collect();
    let since = today - Duration::days(i64::from(widest));
    let window_rows = queries::window_facts(conn, Some(&ids), since, today)?;
    let latest_rows = if before_window {
        queries::latest_facts(conn, &ids, today)?
    } else {
        Vec::new()
    };
    let on_leave = crate::accreditation::declarations::people_on_leave(conn, &ids, today)?;
    let mut window: HashMap<&str, Vec<LogFact>> = HashMap::new();
    for (who, held_on, minutes, t, f, size, status, _) in &window_rows {
        window.entry(who.as_str()).or_default().push(LogFact {
            held_on: *held_on,
            minutes: *minutes,
            supervision_type: *t,
            format: *f,
            group_size: *size,
            status: *status,
        });
    }
    Ok(compliance_from(
        policy,
        subjects,
        &window,
        Some(&latest_rows),
        &on_leave,
        today,
    ))
}

/// Compliance of each subject on `today` from their logs of the policy's widest window (more
/// are ignored) and, where the caller wants `last_held_on` before the window, the latest
/// session per kind. Where a person is on leave today (`on_leave`), what would be overdue is
/// `on_leave`. The reminder scan, which reads logs further back anyway, calls it directly.
pub fn compliance_from(
    policy: &[PolicyRow],
    subjects: &[Subject],
    window: &HashMap<&str, Vec<LogFact>>,
    latest_rows: Option<&[LatestRow]>,
    on_leave: &std::collections::HashSet<String>,
    today: NaiveDate,
) -> HashMap<String, Vec<ComplianceItem>> {
    let mut out: HashMap<String, Vec<ComplianceItem>> = HashMap::new();
    let mut latest: HashMap<&str, Vec<LogFact>> = HashMap::new();
    for (who, t, f, size, held_on) in latest_rows.into_iter().flatten() {
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
                held_minutes: c.held_minutes,
                achieved_minutes: c.achieved_minutes,
                group_counting: rule.group_counting,
                unsigned_minutes: c.unsigned_minutes,
                window_days: rule.window_days,
                last_held_on: c.last_held_on.max(before_window),
                next_due_on: c.next_due_on,
                status: match c.status {
                    rules::ComplianceStatus::Overdue if on_leave.contains(&s.id) => {
                        rules::ComplianceStatus::OnLeave
                    }
                    other => other,
                },
                warnings: sizeless_warning(c.sizeless_minutes),
            });
        }
    }
    out
}

/// Supervision compliance of these people on `today`: the one use case the compliance
/// endpoint, the compliance report, the calendar feed and the reminder scan all call. The rows
/// that apply to each person are chosen once, by `queries::rows_for`.
pub fn compliance(
    conn: &mut DbConn,
    subjects: &[Subject],
    today: NaiveDate,
) -> Result<std::collections::HashMap<String, Vec<ComplianceItem>>, AppError> {
    let policy = queries::load_policy(conn)?;
    compliance_with(conn, &policy, subjects, today)
}

/// One person's compliance on `today`.
pub fn compliance_of(
    conn: &mut DbConn,
    subject: &Subject,
    today: NaiveDate,
) -> Result<Vec<ComplianceItem>, AppError> {
    Ok(compliance(conn, std::slice::from_ref(subject), today)?
        .remove(&subject.id)
        .unwrap_or_default())
}

fn sizeless_warning(minutes: i32) -> Vec<crate::error::FieldError> {
    if minutes == 0 {
        return Vec::new();
    }
    vec![crate::error::FieldError::new(
        "group_size",
        format!("{minutes} minutes of group sessions in the window have no group size and will count once it is given"),
    )]
}

/// The rules that apply to one person, as `rules::Rule`s.
pub fn rules_for_subject(policy: &[PolicyRow], s: &Subject) -> Vec<rules::Rule> {
    let is_supervisor = roles_from_text(&s.roles).contains(&Role::Supervisor);
    rows_for(
        policy,
        s.service_id.as_deref(),
        s.practitioner_role.as_deref(),
        s.stage.as_deref(),
        is_supervisor,
    )
    .into_iter()
    .map(PolicyRow::rule)
    .collect()
}

/// Each log with the names of its people and the warnings its supervisee's policy gives it,
/// in two queries whatever the number of logs (the policy, and the people).
pub fn with_warnings(
    conn: &mut DbConn,
    logs: Vec<SupervisionLog>,
) -> Result<Vec<LogView>, AppError> {
    if logs.is_empty() {
        return Ok(Vec::new());
    }
    let policy = queries::load_policy(conn)?;
    let mut ids: Vec<&str> = logs
        .iter()
        .flat_map(|l| [l.supervisee_id.as_str(), l.supervisor_id.as_str()])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let subjects: HashMap<String, Subject> = queries::subjects(conn, &ids)?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    Ok(logs
        .into_iter()
        .map(|log| {
            let warnings = match subjects.get(&log.supervisee_id) {
                Some(s) => rules::log_warnings(
                    &rules_for_subject(&policy, s),
                    log.supervision_type,
                    log.format,
                    log.group_size,
                )
                .into_iter()
                .map(|(f, m)| crate::error::FieldError::new(f, m))
                .collect(),
                None => Vec::new(),
            };
            let name = |id: &str| subjects.get(id).map(|s| s.full_name.clone());
            LogView {
                supervisee_name: name(&log.supervisee_id),
                supervisor_name: name(&log.supervisor_id),
                log,
                warnings,
            }
        })
        .collect())
}

/// The active practitioners in the scope (and service, if named) with some required type in
/// `wanted` on `today`: what the people list filters by compliance with, in three queries.
pub fn people_with_status(
    conn: &mut DbConn,
    scope: &crate::auth::policy::PeopleScope,
    service: Option<&str>,
    wanted: rules::ComplianceStatus,
    today: NaiveDate,
) -> Result<Vec<String>, AppError> {
    let subjects = queries::report_subjects(
        conn,
        scope,
        service,
        None,
        &crate::http::page::PageRequest::everything(),
    )?;
    Ok(statuses(conn, &subjects, today)?
        .into_iter()
        .filter(|(_, items)| items.iter().any(|i| i.status == wanted))
        .map(|(id, _)| id)
        .collect())
}
