//! Bodies' random audits: the practitioner or their lead records a body's request; the
//! registry computes the deadline from the body's window (data), points at the evidence pack
//! for the body's period, lists what the body asks for that the records lack, reminds before
//! the deadline and follows the audit to `submitted` and `closed`.

pub mod model;
pub mod queries;
pub mod routes;
pub mod rules;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::accreditation::body_exists;
use crate::audit;
use crate::auth::policy::{body_audit_access, is_admin, report_scope, Caller, Decision};
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::http::page::{encode_cursor, Page, PageRequest};
pub use model::*;
pub use routes::routes;

/// The person's service, once the caller may record and follow their audits.
fn person_for(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
) -> Result<Option<String>, AppError> {
    let service =
        crate::accreditation::queries::service_of(conn, person)?.ok_or(AppError::NotFound)?;
    match body_audit_access(caller, person, service.as_deref()) {
        Decision::Allowed => Ok(service),
        Decision::Forbidden(why) => Err(AppError::Forbidden(why.into())),
        Decision::Hidden => Err(AppError::NotFound),
    }
}

/// The views of these audits on `today`: each with what is missing, in five queries whatever
/// their number (rules, names, sessions, first sessions, CPD).
pub fn views(
    conn: &mut DbConn,
    rows: Vec<BodyAuditRow>,
    today: NaiveDate,
) -> Result<Vec<BodyAudit>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let rules: HashMap<String, AuditRule> = queries::rules(conn)?
        .into_iter()
        .map(|r| (r.body_code.clone(), r))
        .collect();
    let months = |body: &str| rules.get(body).map(|r| r.period_months).unwrap_or(12);
    let mut people: Vec<&str> = rows.iter().map(|r| r.practitioner_id.as_str()).collect();
    people.sort_unstable();
    people.dedup();
    let names = crate::db::names::people(conn, &people)?;
    let since = rows
        .iter()
        .map(|r| rules::period_from(r.requested_on, months(&r.body_code)))
        .min()
        .unwrap_or(today);
    let mut sessions: HashMap<String, Vec<rules::SessionFact>> = HashMap::new();
    for (who, s) in queries::sessions(conn, &people, since)? {
        sessions.entry(who).or_default().push(s);
    }
    let mut first: HashMap<(String, String), NaiveDate> = HashMap::new();
    for (who, sup, on) in queries::first_sessions(conn, &people)? {
        if let Some(on) = on {
            first.insert((who, sup), on);
        }
    }
    let mut cpd: HashMap<String, Vec<rules::CpdFact>> = HashMap::new();
    for (who, c) in queries::cpd(conn, &people, since)? {
        cpd.entry(who).or_default().push(c);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let period_months = months(&r.body_code);
            let who = r.practitioner_id.clone();
            let first_with = |sup: &str| first.get(&(who.clone(), sup.to_string())).copied();
            let missing = if r.status == AuditStatus::Closed {
                Vec::new()
            } else {
                rules::missing(
                    &r.body_code,
                    r.requested_on,
                    period_months,
                    sessions.get(&who).map(Vec::as_slice).unwrap_or(&[]),
                    &first_with,
                    cpd.get(&who).map(Vec::as_slice).unwrap_or(&[]),
                )
            };
            BodyAudit {
                full_name: names.get(&who).cloned().unwrap_or_default(),
                body: r.body_code.clone(),
                requested_on: r.requested_on,
                due_on: r.due_on,
                days_left: (r.due_on - today).num_days(),
                status: r.status,
                submitted_on: r.submitted_on,
                period_from: rules::period_from(r.requested_on, period_months),
                evidence_pack: format!(
                    "/api/v1/practitioners/{who}/evidence-pack?body={}&months={period_months}",
                    r.body_code
                ),
                missing,
                recorded_by: r.recorded_by,
                created_at: r.created_at,
                updated_at: r.updated_at,
                id: r.id,
                practitioner_id: who,
            }
        })
        .collect())
}

/// Records a body's request to audit a person: the deadline is the request day plus the
/// body's window. The person must hold a credential with the body, and has one open audit per
/// body at a time.
pub fn request(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    input: NewBodyAudit,
    at: NaiveDateTime,
) -> Result<BodyAudit, AppError> {
    let service = person_for(conn, caller, person)?;
    validate(&input)?;
    let body = input.body.trim().to_string();
    let mut errors = Vec::new();
    let mut rule = None;
    if !body_exists(conn, &body)? {
        errors.push(FieldError::new(
            "body",
            "must be BPS, BABCP, BACP, BPC or IPTUK",
        ));
    } else if !queries::holds_with(conn, person, &body)? {
        errors.push(FieldError::new(
            "body",
            format!("this person holds no credential with {body}"),
        ));
    } else {
        rule = queries::rule(conn, &body)?;
        if rule.is_none() {
            errors.push(FieldError::new(
                "body",
                format!("{body} has no audit window in the registry yet; an admin adds it (PUT /api/v1/body-audit-rules/{body})"),
            ));
        }
    }
    if input.requested_on > at.date() {
        errors.push(FieldError::new("requested_on", "cannot be in the future"));
    }
    let Some(rule) = rule.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    if queries::open_for(conn, person, &body)? {
        return Err(AppError::Conflict(format!(
            "an audit by {body} is already open for this person; close it first"
        )));
    }
    let row = BodyAuditRow {
        id: uuid::Uuid::now_v7().to_string(),
        practitioner_id: person.to_string(),
        body_code: body,
        requested_on: input.requested_on,
        due_on: input.requested_on + Duration::days(i64::from(rule.response_days)),
        status: AuditStatus::Open,
        submitted_on: None,
        recorded_by: caller.id.clone(),
        created_at: at,
        updated_at: at,
    };
    queries::insert(conn, &row)?;
    audit::of(&caller.id, "body_audit", &row.id)
        .in_service(service.as_deref())
        .created(conn, &row, at)?;
    Ok(views(conn, vec![row], at.date())?.remove(0))
}

/// Moves an audit on: `open` to `submitted` (on a day, default today) or `closed`;
/// `submitted` to `closed`. A closed audit is final.
pub fn change(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: AuditPatch,
    at: NaiveDateTime,
) -> Result<BodyAudit, AppError> {
    let before = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    let service = person_for(conn, caller, &before.practitioner_id)?;
    use AuditStatus::*;
    let allowed = matches!(
        (before.status, patch.status),
        (Open, Submitted | Closed) | (Submitted, Submitted | Closed)
    );
    if !allowed {
        return Err(AppError::Conflict(format!(
            "an audit that is {} cannot become {}",
            before.status.as_str(),
            patch.status.as_str()
        )));
    }
    let mut after = before.clone();
    after.status = patch.status;
    match (patch.status, patch.submitted_on) {
        (Submitted, day) => {
            let day = day.or(before.submitted_on).unwrap_or(at.date());
            let mut errors = Vec::new();
            if day > at.date() {
                errors.push(FieldError::new("submitted_on", "cannot be in the future"));
            } else if day < before.requested_on {
                errors.push(FieldError::new(
                    "submitted_on",
                    "cannot be before requested_on",
                ));
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            after.submitted_on = Some(day);
        }
        (_, Some(_)) => {
            return Err(AppError::invalid(
                "submitted_on",
                "is given only with the status submitted",
            ))
        }
        _ => {}
    }
    after.updated_at = at;
    queries::update(conn, &after)?;
    audit::of(&caller.id, "body_audit", id)
        .in_service(service.as_deref())
        .updated(conn, &before, &after, at)?;
    Ok(views(conn, vec![after], at.date())?.remove(0))
}

/// A person's audits, newest request first.
pub fn of_person(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    today: NaiveDate,
) -> Result<Vec<BodyAudit>, AppError> {
    person_for(conn, caller, person)?;
    let rows = queries::of_person(conn, person)?;
    views(conn, rows, today)
}

/// The audits of a lead's service (an admin's: every service, or the one asked for), soonest
/// due first, with the days left.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    q: &AuditQuery,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<Page<BodyAudit>, AppError> {
    let scope =
        report_scope(caller).ok_or_else(|| AppError::needs("the training_lead or admin role"))?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            AuditStatus::parse(s)
                .ok_or_else(|| AppError::invalid("status", "must be open, submitted or closed"))
        })
        .transpose()?;
    let service = crate::reports::service_in_scope(scope.clone(), q.service_id.clone())?;
    let after = match &page.after {
        Some(id) => {
            let last = queries::find(conn, id)?
                .ok_or_else(|| AppError::invalid("cursor", "is not a cursor this API gave out"))?;
            Some((last.due_on, last.id))
        }
        None => None,
    };
    let rows = queries::in_scope(
        conn,
        &scope,
        service.as_deref(),
        status,
        after,
        page.fetch(),
    )?;
    let (rows, next) = page.split(rows, |r| &r.id);
    Ok(Page {
        items: views(conn, rows, today)?,
        next_cursor: next.map(|id| encode_cursor(&id)),
    })
}

pub fn audit_rules(conn: &mut DbConn) -> Result<AuditRules, AppError> {
    Ok(AuditRules {
        items: queries::rules(conn)?,
    })
}

/// An admin sets a body's audit window, period and reminder offsets.
pub fn set_rule(
    conn: &mut DbConn,
    caller: &Caller,
    body: &str,
    input: AuditRuleInput,
    at: NaiveDateTime,
) -> Result<AuditRule, AppError> {
    if !is_admin(caller) {
        return Err(AppError::Forbidden(
            "audit rules are set by an admin".into(),
        ));
    }
    if !body_exists(conn, body)? {
        return Err(AppError::NotFound);
    }
    validate(&input)?;
    let mut offsets = input.reminder_offsets.clone();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    let before = queries::rule(conn, body)?;
    let rule = AuditRule {
        body_code: body.to_string(),
        response_days: input.response_days,
        period_months: input.period_months,
        reminder_offsets: offsets
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(","),
        source: input.source.trim().to_string(),
        created_at: before.as_ref().map(|b| b.created_at).unwrap_or(at),
        updated_at: at,
    };
    queries::upsert_rule(conn, &rule, before.is_some())?;
    let entry = audit::of(&caller.id, "body_audit_rule", body);
    match &before {
        Some(b) => entry.updated(conn, b, &rule, at)?,
        None => entry.created(conn, &rule, at)?,
    }
    Ok(rule)
}
