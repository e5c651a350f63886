//! Supervision: practitioners log sessions, the named supervisor countersigns or rejects them,
//! and compliance is computed from the policy (data a training lead can change). The use cases
//! here are what the JSON routes and the pages call.

pub mod by_link;
pub mod checks;
pub mod compliance;
pub mod desk;
pub mod links;
pub mod live;
pub mod model;
pub mod pages;
pub mod policy;
pub mod queries;
pub mod report;
pub mod review;
pub mod routes;
pub mod rules;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::audit;
use crate::auth::policy::{
    can_change_log, can_record_log_for, can_view_log, may_start_log, roles_from_text,
    supervises_in, Caller, Role,
};
use crate::auth::tokens::TokenKeys;
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::http::page::PageRequest;
use crate::http::parse_id;
pub use checks::{bulk_ids, log_filter};
pub use compliance::{
    compliance, compliance_from, compliance_of, compliance_with, may_view_compliance, rows_for,
};
pub use model::*;
pub use review::{reject, review, sign_off_all};
pub use routes::routes;
use rules::{Format, LogStatus};

/// Checks the supervisor and the date of a log; answers 422 naming every field at once. The
/// supervisor must supervise in the supervisee's service (their own, or one an admin linked).
fn check_log(conn: &mut DbConn, log: &SupervisionLog, today: NaiveDate) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let supervisee = queries::subject(conn, &log.supervisee_id)?;
    match crate::people::queries::find(conn, &log.supervisor_id)? {
        Some((sup, _)) if sup.active && roles_from_text(&sup.roles).contains(&Role::Supervisor) => {
            let linked = links::services_of(conn, &sup.id)?;
            let service = supervisee.as_ref().and_then(|s| s.service_id.as_deref());
            if sup.id == log.supervisee_id {
                errors.push(FieldError::new(
                    "supervisor_id",
                    "a supervisee cannot supervise themselves",
                ));
            } else if !supervises_in(sup.service_id.as_deref(), &linked, service) {
                errors.push(FieldError::new(
                    "supervisor_id",
                    "this supervisor does not supervise in the supervisee's service (an admin can link them to it)",
                ));
            } else {
                // Trained (or signed off) in supervising the supervisee's modality, with
                // credentials for its body not all expired; from outside the service, their
                // registration verified. Any error but a verdict stops here.
                let role = supervisee
                    .as_ref()
                    .and_then(|s| s.practitioner_role.as_deref());
                match crate::competences::eligibility::check_supervisor(conn, &sup.id, role, today)
                {
                    Ok(()) => {}
                    Err(AppError::Validation(mut e)) => errors.append(&mut e),
                    Err(other) => return Err(other),
                }
            }
        }
        Some((sup, _)) if !sup.active => errors.push(FieldError::new(
            "supervisor_id",
            "this supervisor is deactivated",
        )),
        Some(_) => errors.push(FieldError::new(
            "supervisor_id",
            "this person does not hold the supervisor role",
        )),
        None => errors.push(FieldError::new("supervisor_id", "no such person")),
    }
    if log.held_on > today {
        errors.push(FieldError::new("held_on", "cannot be in the future"));
    }
    if let Some(started) = supervisee.as_ref().and_then(|s| s.started_on) {
        if log.held_on < started - Duration::days(365) {
            errors.push(FieldError::new(
                "held_on",
                "is more than a year before the supervisee started in post",
            ));
        }
    }
    // A group's size may come later: until then the session's time does not count where a
    // rule caps the size, and the log's warnings say so.
    if let (Format::Individual, Some(_)) = (log.format, log.group_size) {
        errors.push(FieldError::new(
            "group_size",
            "applies to group sessions only",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

fn audit_log(
    conn: &mut DbConn,
    actor: &str,
    action: &str,
    before: Option<&SupervisionLog>,
    after: Option<&SupervisionLog>,
    service: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let id = after.or(before).map(|l| l.id.as_str()).unwrap_or_default();
    let before = before.map(audit::snapshot).transpose()?.flatten();
    let after = after.map(audit::snapshot).transpose()?.flatten();
    audit::of(actor, "supervision_log", id)
        .in_service(service)
        .action(conn, action, before, after, at)
}

/// A log the caller may see; anyone else gets 404.
fn visible_log(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<(SupervisionLog, Option<String>), AppError> {
    let (log, service) = queries::find_log(conn, id)?.ok_or(AppError::NotFound)?;
    if can_view_log(
        caller,
        &log.supervisee_id,
        &log.supervisor_id,
        service.as_deref(),
    ) {
        Ok((log, service))
    } else {
        Err(AppError::NotFound)
    }
}

/// The field errors of a check, so that the input's own checks and the database's are answered
/// together; any other error stops at once.
fn field_errors(checked: Result<(), AppError>) -> Result<Vec<FieldError>, AppError> {
    match checked {
        Ok(()) => Ok(Vec::new()),
        Err(AppError::Validation(e)) => Ok(e),
        Err(other) => Err(other),
    }
}

fn still_submitted(log: &SupervisionLog) -> Result<(), AppError> {
    match log.status {
        LogStatus::Submitted => Ok(()),
        LogStatus::SignedOff => Err(AppError::Conflict(
            "this log is signed off and can no longer change; record a correction as a new log"
                .into(),
        )),
        LogStatus::Rejected => Err(AppError::Conflict(
            "this log is rejected and can no longer change".into(),
        )),
    }
}

/// Logs a supervision session; it starts `submitted`. Someone else's session is recorded
/// only by the supervisor named on it, for a person they supervise. Answers also the email to
/// send at once, if any (a supervisor from outside the service is asked to countersign).
pub fn create_log(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewLog,
    keys: &TokenKeys,
    at: NaiveDateTime,
) -> Result<(LogView, Option<String>), AppError> {
    let mut errors = field_errors(validate(&input))?;
    let supervisor_id = parse_id(&input.supervisor_id)
        .map_err(|_| AppError::invalid("supervisor_id", "no such person"))?;
    let supervisee_id = match &input.supervisee_id {
        None => caller.id.clone(),
        Some(s) => parse_id(s).map_err(|_| AppError::invalid("supervisee_id", "no such person"))?,
    };
    if !may_start_log(caller, &supervisee_id, &supervisor_id) {
        return Err(AppError::Forbidden(
            "someone else's session is recorded only by the supervisor named on it".into(),
        ));
    }
    // A person the caller may not record for is answered exactly as an unknown one. Links
    // matter only for someone else's session: one's own needs no lookup.
    let linked = if supervisee_id == caller.id {
        Vec::new()
    } else {
        links::services_of(conn, &caller.id)?
    };
    let supervisee = crate::people::queries::find(conn, &supervisee_id)?
        .filter(|(p, _)| p.active)
        .filter(|(p, _)| {
            can_record_log_for(
                caller,
                &p.id,
                &supervisor_id,
                p.service_id.as_deref(),
                &linked,
            )
        })
        .ok_or_else(|| AppError::invalid("supervisee_id", "no such active person"))?;
    let log = SupervisionLog {
        id: uuid::Uuid::now_v7().to_string(),
        supervisee_id,
        supervisor_id,
        held_on: input.held_on,
        duration_minutes: input.duration_minutes,
        supervision_type: input.supervision_type,
        format: input.format,
        group_size: input.group_size,
        cases_discussed: input.cases_discussed,
        notes: input.notes,
        status: LogStatus::Submitted,
        rejection_reason: None,
        reviewed_at: None,
        created_by: caller.id.clone(),
        created_at: at,
        updated_at: at,
    };
    errors.append(&mut field_errors(check_log(conn, &log, at.date()))?);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    queries::insert_log(conn, &log)?;
    let service = supervisee.0.service_id.as_deref();
    audit_log(conn, &caller.id, "create", None, Some(&log), service, at)?;
    let email = by_link::ask_external(conn, keys, &log, service, at)?;
    Ok((one_view(conn, log)?, email))
}

fn one_view(conn: &mut DbConn, log: SupervisionLog) -> Result<LogView, AppError> {
    compliance::with_warnings(conn, vec![log])?
        .pop()
        .ok_or_else(|| AppError::internal("a log went missing from its own view"))
}

/// One page of the logs the caller may see, newest first.
pub fn list_logs(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &LogFilter,
    page: &PageRequest,
) -> Result<Vec<LogView>, AppError> {
    let logs = queries::list_logs(conn, caller, filter, page)?;
    compliance::with_warnings(conn, logs)
}

pub fn get_log(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<LogView, AppError> {
    let log = visible_log(conn, caller, id)?.0;
    one_view(conn, log)
}

/// Changes a log while it is submitted, by its supervisee (or who may change it for them);
/// answers also the email to send at once, as `create_log` does.
pub fn update_log(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: LogPatch,
    keys: &TokenKeys,
    at: NaiveDateTime,
) -> Result<(LogView, Option<String>), AppError> {
    let mut errors = field_errors(validate(&patch))?;
    let supervisor_id = match &patch.supervisor_id {
        Some(s) => {
            Some(parse_id(s).map_err(|_| AppError::invalid("supervisor_id", "no such person"))?)
        }
        None => None,
    };
    let (before, service) = visible_log(conn, caller, id)?;
    if !can_change_log(caller, &before.supervisee_id) {
        return Err(AppError::Forbidden(
            "only the supervisee changes or withdraws their log".into(),
        ));
    }
    still_submitted(&before)?;
    let mut log = before.clone();
    if let Some(v) = supervisor_id {
        log.supervisor_id = v;
    }
    if let Some(v) = patch.held_on {
        log.held_on = v;
    }
    if let Some(v) = patch.duration_minutes {
        log.duration_minutes = v;
    }
    if let Some(v) = patch.supervision_type {
        log.supervision_type = v;
    }
    if let Some(v) = patch.format {
        log.format = v;
        if v == Format::Individual {
            log.group_size = None;
        }
    }
    if patch.group_size.is_some() {
        log.group_size = patch.group_size;
    }
    if patch.cases_discussed.is_some() {
        log.cases_discussed = patch.cases_discussed;
    }
    if patch.notes.is_some() {
        log.notes = patch.notes;
    }
    errors.append(&mut field_errors(check_log(conn, &log, at.date()))?);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    log.updated_at = at;
    if !queries::update_log(conn, &log, LogStatus::Submitted)? {
        return Err(AppError::Conflict(
            "this log was signed off or rejected meanwhile".into(),
        ));
    }
    let service = service.as_deref();
    audit_log(
        conn,
        &caller.id,
        "update",
        Some(&before),
        Some(&log),
        service,
        at,
    )?;
    let email = match log.supervisor_id != before.supervisor_id {
        true => by_link::ask_external(conn, keys, &log, service, at)?,
        false => None,
    };
    Ok((one_view(conn, log)?, email))
}

/// Withdraws a log while it is `submitted` (the audit trail keeps what it said).
pub fn withdraw_log(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let (before, service) = visible_log(conn, caller, id)?;
    if !can_change_log(caller, &before.supervisee_id) {
        return Err(AppError::Forbidden(
            "only the supervisee changes or withdraws their log".into(),
        ));
    }
    still_submitted(&before)?;
    if !queries::withdraw_log(conn, id)? {
        return Err(AppError::Conflict(
            "this log was signed off or rejected meanwhile".into(),
        ));
    }
    let service = service.as_deref();
    audit_log(
        conn,
        &caller.id,
        "withdraw",
        Some(&before),
        None,
        service,
        at,
    )
}

/// A person's compliance today, when the caller may see it; 404 otherwise.
pub fn person_compliance(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    at: NaiveDateTime,
) -> Result<ComplianceReport, AppError> {
    let today = at.date();
    let subject = queries::subject(conn, id)?.ok_or(AppError::NotFound)?;
    if !may_view_compliance(conn, caller, id, subject.service_id.as_deref(), today)? {
        return Err(AppError::NotFound);
    }
    let items = compliance_of(conn, &subject, today)?;
    let live_assessment = live::of_subjects(conn, std::slice::from_ref(&subject), today)?
        .remove(id)
        .map(|(c, _, _)| c);
    let on_leave =
        !crate::accreditation::declarations::people_on_leave(conn, &[id], today)?.is_empty();
    let supervisor_requirements = crate::accreditation::duties::of_people(conn, &[id], today)?
        .remove(id)
        .unwrap_or_default();
    Ok(ComplianceReport {
        items,
        live_assessment,
        on_leave,
        supervisor_requirements,
        practitioner_id: id.to_string(),
        as_of: today,
    })
}
