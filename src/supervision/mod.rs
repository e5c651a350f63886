//! Supervision: practitioners log sessions, the named supervisor countersigns or rejects them,
//! and compliance is computed from the policy (data a training lead can change).

pub mod links;
pub mod policy;
pub mod queries;
pub mod report;
pub mod rules;

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::policy::{
    can_change_log, can_record_log_for, can_review_log, can_view_log, may_start_log,
    roles_from_text, supervises_in, Caller, Role,
};
use crate::auth::Auth;
use crate::db::DbConn;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, validate, AppError, FieldError, Json};
use queries::{ComplianceItem, LogFilter, SupervisionLog};
use rules::{Format, LogStatus, SupervisionType};
use serde::Serialize;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLog {
    /// Default: the caller. A supervisor may record a session for a supervisee, naming themselves.
    pub supervisee_id: Option<String>,
    pub supervisor_id: String,
    /// Not in the future, nor before a year before the supervisee started in post.
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    #[validate(range(min = 1, max = 480, message = "must be 1 to 480 minutes"))]
    pub duration_minutes: i32,
    pub supervision_type: SupervisionType,
    pub format: Format,
    /// People in the group, the supervisee included: required for a group, absent otherwise.
    #[validate(range(min = 2, max = 100, message = "must be 2 to 100"))]
    pub group_size: Option<i32>,
    #[validate(range(min = 0, max = 500, message = "must be 0 to 500"))]
    pub cases_discussed: Option<i32>,
    /// Free text. Warning: no patient-identifiable data belongs here.
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    pub notes: Option<String>,
}

/// Changes to a log while it is `submitted`; absent fields stay as they are.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogPatch {
    pub supervisor_id: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub held_on: Option<NaiveDate>,
    #[validate(range(min = 1, max = 480, message = "must be 1 to 480 minutes"))]
    pub duration_minutes: Option<i32>,
    pub supervision_type: Option<SupervisionType>,
    pub format: Option<Format>,
    #[validate(range(min = 2, max = 100, message = "must be 2 to 100"))]
    pub group_size: Option<i32>,
    #[validate(range(min = 0, max = 500, message = "must be 0 to 500"))]
    pub cases_discussed: Option<i32>,
    /// Free text. Warning: no patient-identifiable data belongs here.
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkSignOff {
    #[validate(length(min = 1, max = 200, message = "must name 1 to 200 logs"))]
    pub ids: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    pub supervisee_id: Option<String>,
    pub supervisor_id: Option<String>,
    /// `submitted`, `signed_off` or `rejected`.
    pub status: Option<String>,
    /// Held on or after this date.
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Held on or before this date.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Supervision compliance of these people on `today`: the one use case the compliance
/// endpoint, the compliance report, the calendar feed and the reminder scan all call. The rows
/// that apply to each person are chosen once, by `queries::rows_for`.
pub fn compliance(
    conn: &mut DbConn,
    subjects: &[queries::Subject],
    today: NaiveDate,
) -> Result<std::collections::HashMap<String, Vec<ComplianceItem>>, AppError> {
    let policy = queries::load_policy(conn)?;
    queries::compliance(conn, &policy, subjects, today)
}

/// One person's compliance on `today`.
pub fn compliance_of(
    conn: &mut DbConn,
    subject: &queries::Subject,
    today: NaiveDate,
) -> Result<Vec<ComplianceItem>, AppError> {
    Ok(compliance(conn, std::slice::from_ref(subject), today)?
        .remove(&subject.id)
        .unwrap_or_default())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceReport {
    pub practitioner_id: String,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub items: Vec<ComplianceItem>,
}

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
                // credentials for its body not all expired. Any error but a verdict stops here.
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
    match (log.format, log.group_size) {
        (Format::Group, None) => errors.push(FieldError::new(
            "group_size",
            "is required for a group session",
        )),
        (Format::Individual, Some(_)) => errors.push(FieldError::new(
            "group_size",
            "applies to group sessions only",
        )),
        _ => {}
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
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let id = after.or(before).map(|l| l.id.clone()).unwrap_or_default();
    audit::record(
        conn,
        Change {
            actor_id: Some(actor),
            action,
            entity_type: "supervision_log",
            entity_id: &id,
            service_id: service,
            before: before.map(snapshot).transpose()?.flatten(),
            after: after.map(snapshot).transpose()?.flatten(),
        },
        now,
    )
}

#[utoipa::path(
    post, path = "/api/v1/supervision-logs", tag = "supervision", request_body = NewLog,
    description = "Logs a supervision session; it starts `submitted`. The notes are free text: no patient-identifiable data belongs there.",
    responses(
        (status = 201, body = SupervisionLog), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 415, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_log(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewLog>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let body = body.0;
    validate(&body)?;
    let supervisor_id = parse_id(&body.supervisor_id)
        .map_err(|_| AppError::invalid("supervisor_id", "no such person"))?;
    let supervisee_id = match &body.supervisee_id {
        None => caller.id.clone(),
        Some(s) => parse_id(s).map_err(|_| AppError::invalid("supervisee_id", "no such person"))?,
    };
    // Someone else's session is recorded only by the supervisor named on it.
    if !may_start_log(&caller, &supervisee_id, &supervisor_id) {
        return Err(AppError::forbidden());
    }
    let created = state
        .write(move |conn| {
            // A person the caller may not record for is answered exactly as an unknown one.
            // Links matter only for someone else's session: one's own needs no lookup.
            let linked = if supervisee_id == caller.id {
                Vec::new()
            } else {
                links::services_of(conn, &caller.id)?
            };
            let supervisee = crate::people::queries::find(conn, &supervisee_id)?
                .filter(|(p, _)| p.active)
                .filter(|(p, _)| {
                    can_record_log_for(
                        &caller,
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
                held_on: body.held_on,
                duration_minutes: body.duration_minutes,
                supervision_type: body.supervision_type,
                format: body.format,
                group_size: body.group_size,
                cases_discussed: body.cases_discussed,
                notes: body.notes,
                status: LogStatus::Submitted,
                rejection_reason: None,
                reviewed_at: None,
                created_by: caller.id.clone(),
                created_at: now,
                updated_at: now,
            };
            check_log(conn, &log, now.date())?;
            queries::insert_log(conn, &log)?;
            audit_log(
                conn,
                &caller.id,
                "create",
                None,
                Some(&log),
                supervisee.0.service_id.as_deref(),
                now,
            )?;
            Ok(log)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/supervision-logs", tag = "supervision", params(LogQuery),
    description = "The logs the caller may see, newest first: their own, those naming them as supervisor, their service's (training leads), all (admins).",
    responses((status = 200, body = inline(Page<SupervisionLog>)), (status = 401, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_logs(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<LogQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let status = q
        .status
        .as_deref()
        .map(|s| {
            LogStatus::parse(s).ok_or_else(|| {
                AppError::invalid("status", "must be submitted, signed_off or rejected")
            })
        })
        .transpose()?;
    let filter = LogFilter {
        supervisee_id: q.supervisee_id,
        supervisor_id: q.supervisor_id,
        status,
        from: q.from,
        to: q.to,
    };
    let p = page.clone();
    let rows = state
        .db(move |conn| queries::list_logs(conn, &caller, &filter, &p))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |l| &l.id)))
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

#[utoipa::path(
    get, path = "/api/v1/supervision-logs/{id}", tag = "supervision",
    params(("id" = String, Path, description = "log id")),
    responses((status = 200, body = SupervisionLog), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_log(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (log, _) = state
        .db(move |conn| visible_log(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(log))
}

#[utoipa::path(
    patch, path = "/api/v1/supervision-logs/{id}", tag = "supervision", request_body = LogPatch,
    params(("id" = String, Path, description = "log id")),
    responses(
        (status = 200, body = SupervisionLog), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "signed off or rejected"),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_log(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<LogPatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let p = body.0;
    validate(&p)?;
    let supervisor_id = match &p.supervisor_id {
        Some(s) => {
            Some(parse_id(s).map_err(|_| AppError::invalid("supervisor_id", "no such person"))?)
        }
        None => None,
    };
    let updated = state
        .write(move |conn| {
            let (before, service) = visible_log(conn, &caller, &id)?;
            if !can_change_log(&caller, &before.supervisee_id) {
                return Err(AppError::forbidden());
            }
            still_submitted(&before)?;
            let mut log = before.clone();
            if let Some(v) = supervisor_id {
                log.supervisor_id = v;
            }
            if let Some(v) = p.held_on {
                log.held_on = v;
            }
            if let Some(v) = p.duration_minutes {
                log.duration_minutes = v;
            }
            if let Some(v) = p.supervision_type {
                log.supervision_type = v;
            }
            if let Some(v) = p.format {
                log.format = v;
                if v == Format::Individual {
                    log.group_size = None;
                }
            }
            if p.group_size.is_some() {
                log.group_size = p.group_size;
            }
            if p.cases_discussed.is_some() {
                log.cases_discussed = p.cases_discussed;
            }
            if p.notes.is_some() {
                log.notes = p.notes;
            }
            check_log(conn, &log, now.date())?;
            log.updated_at = now;
            if !queries::update_log(conn, &log, LogStatus::Submitted)? {
                return Err(AppError::Conflict(
                    "this log was signed off or rejected meanwhile".into(),
                ));
            }
            audit_log(
                conn,
                &caller.id,
                "update",
                Some(&before),
                Some(&log),
                service.as_deref(),
                now,
            )?;
            Ok(log)
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(
    delete, path = "/api/v1/supervision-logs/{id}", tag = "supervision",
    description = "Withdraws a log while it is `submitted` (the audit trail keeps what it said).",
    params(("id" = String, Path, description = "log id")),
    responses(
        (status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw_log(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    use crate::db::schema::supervision_logs;
    use diesel::prelude::*;
    let id = parse_id(&id)?;
    state
        .write(move |conn| {
            let (before, service) = visible_log(conn, &caller, &id)?;
            if !can_change_log(&caller, &before.supervisee_id) {
                return Err(AppError::forbidden());
            }
            still_submitted(&before)?;
            let n = diesel::delete(
                supervision_logs::table
                    .filter(supervision_logs::id.eq(&id))
                    .filter(supervision_logs::status.eq(LogStatus::Submitted.as_str())),
            )
            .execute(conn)?;
            if n != 1 {
                return Err(AppError::Conflict(
                    "this log was signed off or rejected meanwhile".into(),
                ));
            }
            audit_log(
                conn,
                &caller.id,
                "withdraw",
                Some(&before),
                None,
                service.as_deref(),
                now,
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The log as the caller's review leaves it, if the caller may review it: only the named
/// supervisor, and only while it is submitted.
fn reviewed(
    caller: &Caller,
    before: &SupervisionLog,
    outcome: LogStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<SupervisionLog, AppError> {
    if !can_review_log(caller, &before.supervisor_id) {
        return Err(AppError::Forbidden(
            "only the supervisor named on the log may sign it off or reject it".into(),
        ));
    }
    still_submitted(before)?;
    let mut log = before.clone();
    log.status = outcome;
    log.rejection_reason = reason.map(str::to_string);
    log.reviewed_at = Some(now);
    log.updated_at = now;
    Ok(log)
}

fn review_action(outcome: LogStatus) -> &'static str {
    if outcome == LogStatus::SignedOff {
        "sign_off"
    } else {
        "reject"
    }
}

/// Signs off or rejects one log the caller is the named supervisor of, in the caller's transaction.
fn review(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    outcome: LogStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<SupervisionLog, AppError> {
    let (before, service) = visible_log(conn, caller, id)?;
    let log = reviewed(caller, &before, outcome, reason, now)?;
    if !queries::update_log(conn, &log, LogStatus::Submitted)? {
        return Err(AppError::Conflict("this log changed meanwhile".into()));
    }
    audit_log(
        conn,
        &caller.id,
        review_action(outcome),
        Some(&before),
        Some(&log),
        service.as_deref(),
        now,
    )?;
    Ok(log)
}

/// Signs off every log named, or none: one query to load them, one to update them, and the audit
/// events appended together, however many there are.
fn sign_off_all(
    conn: &mut DbConn,
    caller: &Caller,
    ids: &[String],
    now: NaiveDateTime,
) -> Result<Vec<SupervisionLog>, AppError> {
    let mut found: std::collections::HashMap<String, (SupervisionLog, Option<String>)> =
        queries::find_logs(conn, ids)?
            .into_iter()
            .map(|(log, service)| (log.id.clone(), (log, service)))
            .collect();
    let mut checked = Vec::with_capacity(ids.len());
    for id in ids {
        let (before, service) = found.remove(id).ok_or(AppError::NotFound)?;
        if !can_view_log(
            caller,
            &before.supervisee_id,
            &before.supervisor_id,
            service.as_deref(),
        ) {
            return Err(AppError::NotFound);
        }
        let after = reviewed(caller, &before, LogStatus::SignedOff, None, now)?;
        checked.push((before, after, service));
    }
    if queries::sign_off_logs(conn, ids, now)? != ids.len() {
        return Err(AppError::Conflict("a log changed meanwhile".into()));
    }
    let changes = checked
        .iter()
        .map(|(before, after, service)| {
            Ok(Change {
                actor_id: Some(&caller.id),
                action: review_action(LogStatus::SignedOff),
                entity_type: "supervision_log",
                entity_id: &after.id,
                service_id: service.as_deref(),
                before: snapshot(before)?,
                after: snapshot(after)?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    audit::record_all(conn, changes, now)?;
    Ok(checked.into_iter().map(|(_, after, _)| after).collect())
}

#[utoipa::path(
    post, path = "/api/v1/supervision-logs/{id}/sign-off", tag = "supervision",
    description = "The named supervisor countersigns the log; a signed-off log never changes.",
    params(("id" = String, Path, description = "log id")),
    responses(
        (status = 200, body = SupervisionLog), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn sign_off(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let log = state
        .write(move |conn| review(conn, &caller, &id, LogStatus::SignedOff, None, now))
        .await?;
    Ok(HttpResponse::Ok().json(log))
}

#[utoipa::path(
    post, path = "/api/v1/supervision-logs/{id}/reject", tag = "supervision", request_body = Rejection,
    params(("id" = String, Path, description = "log id")),
    responses(
        (status = 200, body = SupervisionLog), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn reject(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<Rejection>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let body = body.0;
    validate(&body)?;
    let reason = body.reason.trim().to_string();
    let log = state
        .write(move |conn| review(conn, &caller, &id, LogStatus::Rejected, Some(&reason), now))
        .await?;
    Ok(HttpResponse::Ok().json(log))
}

#[utoipa::path(
    post, path = "/api/v1/supervision-logs/sign-off", tag = "supervision", request_body = BulkSignOff,
    description = "Signs off several logs at once, all or nothing: if any cannot be signed off by the caller, none is.",
    responses(
        (status = 200, body = inline(Page<SupervisionLog>)), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn sign_off_many(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<BulkSignOff>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let body = body.0;
    validate(&body)?;
    let mut ids = Vec::with_capacity(body.ids.len());
    for raw in &body.ids {
        let id = parse_id(raw)?;
        if ids.contains(&id) {
            return Err(AppError::invalid("ids", "names the same log twice"));
        }
        ids.push(id);
    }
    let signed = state
        .write(move |conn| sign_off_all(conn, &caller, &ids, now))
        .await?;
    Ok(HttpResponse::Ok().json(crate::http::page::whole(signed)))
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/supervision-compliance", tag = "supervision",
    description = "One item per supervision rule that applies to the person, computed for today.",
    params(("id" = String, Path, description = "person id")),
    responses((status = 200, body = ComplianceReport), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn person_compliance(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let today = now.date();
    let report = state
        .db(move |conn| {
            let subject = queries::subject(conn, &id)?.ok_or(AppError::NotFound)?;
            if !queries::may_view_compliance(
                conn,
                &caller,
                &id,
                subject.service_id.as_deref(),
                today,
            )? {
                return Err(AppError::NotFound);
            }
            Ok(ComplianceReport {
                items: compliance_of(conn, &subject, today)?,
                practitioner_id: id,
                as_of: today,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    links::routes(cfg);
    cfg.service(
        resource("/supervision-logs", "GET, POST")
            .route(web::get().to(list_logs))
            .route(web::post().to(create_log)),
    )
    .service(resource("/supervision-logs/sign-off", "POST").route(web::post().to(sign_off_many)))
    .service(
        resource("/supervision-logs/{id}", "GET, PATCH, DELETE")
            .route(web::get().to(get_log))
            .route(web::patch().to(patch_log))
            .route(web::delete().to(withdraw_log)),
    )
    .service(resource("/supervision-logs/{id}/sign-off", "POST").route(web::post().to(sign_off)))
    .service(resource("/supervision-logs/{id}/reject", "POST").route(web::post().to(reject)))
    .service(
        resource("/practitioners/{id}/supervision-compliance", "GET")
            .route(web::get().to(person_compliance)),
    )
    .configure(policy::routes)
    .configure(report::routes);
}
