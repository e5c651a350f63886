//! Supervision queries: diesel only, rows in and rows out. Compliance for any number of people
//! reads a fixed number of queries (rules, window logs, latest session per kind), never one per
//! person.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;

use super::model::{LogFilter, PolicyRow, Subject, SupervisionLog, SUBJECT_COLUMNS};
use super::rules::{Format, LogStatus, SupervisionType};
use crate::auth::policy::{log_scope, Caller, LogScope};
use crate::db::schema::{supervision_logs, supervision_policy_rules, users};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

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
        .values(log)
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
    .set(log)
    .execute(conn)?;
    Ok(n == 1)
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

/// Several people's compliance subjects, in one query.
pub fn subjects(conn: &mut DbConn, ids: &[&str]) -> Result<Vec<Subject>, AppError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select(SUBJECT_COLUMNS)
        .load(conn)?)
}

pub fn subject(conn: &mut DbConn, id: &str) -> Result<Option<Subject>, AppError> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(SUBJECT_COLUMNS)
        .first(conn)
        .optional()?)
}

/// A session as rules read it: supervisee, date, minutes, type, format, group size, status,
/// supervisor.
pub type LogFactRow = (
    String,
    NaiveDate,
    i32,
    SupervisionType,
    Format,
    Option<i32>,
    LogStatus,
    String,
);
pub type LatestRow = (
    String,
    SupervisionType,
    Format,
    Option<i32>,
    Option<NaiveDate>,
);

/// The logs (not rejected) of these people (`None`: of everyone) held in `(since, today]`.
pub fn window_facts(
    conn: &mut DbConn,
    ids: Option<&[&str]>,
    since: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<LogFactRow>, AppError> {
    let mut q = supervision_logs::table.into_boxed();
    if let Some(ids) = ids {
        q = q.filter(supervision_logs::supervisee_id.eq_any(ids.to_vec()));
    }
    Ok(q.filter(supervision_logs::status.ne(LogStatus::Rejected))
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
            supervision_logs::supervisor_id,
        ))
        .load(conn)?)
}

/// The latest session (not rejected) of each kind for these people, up to `today`.
pub fn latest_facts(
    conn: &mut DbConn,
    ids: &[&str],
    today: NaiveDate,
) -> Result<Vec<LatestRow>, AppError> {
    Ok(supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq_any(ids))
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
        .load(conn)?)
}

/// Withdraws a log while it is still submitted; answers whether it did.
pub fn withdraw_log(conn: &mut DbConn, id: &str) -> Result<bool, AppError> {
    let n = diesel::delete(
        supervision_logs::table
            .filter(supervision_logs::id.eq(id))
            .filter(supervision_logs::status.eq(LogStatus::Submitted)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// One page (`page.fetch()` rows) of active practitioners in the scope, in id order, for the
/// compliance report.
pub fn report_subjects(
    conn: &mut DbConn,
    scope: &crate::auth::policy::PeopleScope,
    service: Option<&str>,
    role: Option<&str>,
    page: &PageRequest,
) -> Result<Vec<Subject>, AppError> {
    use crate::auth::policy::PeopleScope;
    let mut s = users::table
        .filter(users::active.eq(true))
        .filter(users::practitioner_role.is_not_null())
        .select(SUBJECT_COLUMNS)
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        s = s.filter(users::service_id.eq(id.clone()));
    }
    if let Some(id) = service {
        s = s.filter(users::service_id.eq(id.to_string()));
    }
    if let Some(r) = role {
        s = s.filter(users::practitioner_role.eq(r.to_string()));
    }
    if let Some(after) = &page.after {
        s = s.filter(users::id.gt(after.clone()));
    }
    Ok(s.order(users::id.asc()).limit(page.fetch()).load(conn)?)
}

/// The practitioner roles' codes.
pub fn practitioner_roles(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    use crate::db::schema::practitioner_roles;
    Ok(practitioner_roles::table
        .select(practitioner_roles::code)
        .load(conn)?)
}

/// Deletes the registry's rules (`None`) or one service's own.
pub fn delete_rules(conn: &mut DbConn, service: Option<&str>) -> Result<(), AppError> {
    match service {
        None => diesel::delete(
            supervision_policy_rules::table.filter(supervision_policy_rules::service_id.is_null()),
        )
        .execute(conn)?,
        Some(s) => diesel::delete(
            supervision_policy_rules::table.filter(supervision_policy_rules::service_id.eq(s)),
        )
        .execute(conn)?,
    };
    Ok(())
}

pub fn insert_rules(
    conn: &mut DbConn,
    rules: &[super::policy::PolicyRule],
    service: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for (i, r) in rules.iter().enumerate() {
        diesel::insert_into(supervision_policy_rules::table)
            .values((
                supervision_policy_rules::id.eq(uuid::Uuid::now_v7().to_string()),
                supervision_policy_rules::practitioner_role.eq(&r.practitioner_role),
                supervision_policy_rules::stage.eq(&r.stage),
                supervision_policy_rules::supervision_type.eq(r.supervision_type),
                supervision_policy_rules::min_minutes.eq(r.min_minutes),
                supervision_policy_rules::window_days.eq(r.window_days),
                supervision_policy_rules::formats.eq(super::rules::Formats(r.formats.clone())),
                supervision_policy_rules::max_group_size.eq(r.max_group_size),
                supervision_policy_rules::group_counting.eq(r.group_counting),
                supervision_policy_rules::source.eq(r.source.trim()),
                supervision_policy_rules::position.eq(i as i32 + 1),
                supervision_policy_rules::created_at.eq(now),
                supervision_policy_rules::updated_at.eq(now),
                supervision_policy_rules::service_id.eq(service),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The submitted logs naming `supervisor`, oldest session first, at most `limit`.
pub fn waiting_for(
    conn: &mut DbConn,
    supervisor: &str,
    limit: i64,
) -> Result<Vec<SupervisionLog>, AppError> {
    Ok(supervision_logs::table
        .filter(supervision_logs::supervisor_id.eq(supervisor))
        .filter(supervision_logs::status.eq(LogStatus::Submitted.as_str()))
        .order((supervision_logs::held_on.asc(), supervision_logs::id.asc()))
        .limit(limit)
        .select(SupervisionLog::as_select())
        .load(conn)?)
}

/// Active supervisors of a service (its own, and those an admin linked to it), by name.
pub fn supervisors_in(conn: &mut DbConn, service: &str) -> Result<Vec<(String, String)>, AppError> {
    use crate::auth::roles::holders_of;
    use crate::db::schema::supervisor_services;
    let linked = supervisor_services::table
        .filter(supervisor_services::service_id.eq(service.to_string()))
        .select(supervisor_services::supervisor_id);
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::id.eq_any(holders_of(crate::auth::policy::Role::Supervisor)))
        .filter(
            users::service_id
                .eq(service.to_string())
                .or(users::id.eq_any(linked)),
        )
        .order((users::full_name.asc(), users::id.asc()))
        .select((users::id, users::full_name))
        .load(conn)?)
}

/// The people who named `supervisor` on a log held since `since`.
pub fn supervisees_since(
    conn: &mut DbConn,
    supervisor: &str,
    since: NaiveDate,
) -> Result<Vec<String>, AppError> {
    Ok(supervision_logs::table
        .filter(supervision_logs::supervisor_id.eq(supervisor))
        .filter(supervision_logs::held_on.ge(since))
        .select(supervision_logs::supervisee_id)
        .distinct()
        .load(conn)?)
}

/// Several active people's compliance subjects, in one query.
pub fn active_subjects(conn: &mut DbConn, ids: &[&str]) -> Result<Vec<Subject>, AppError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .filter(users::active.eq(true))
        .select(SUBJECT_COLUMNS)
        .load(conn)?)
}
