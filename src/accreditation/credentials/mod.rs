//! Credentials: each period of a credential a practitioner holds with a body, its verification
//! by a training lead or admin, the CPD check for its renewal, and the accreditation report.

pub mod model;
pub mod queries;
pub mod queue;

use std::collections::HashMap;

use chrono::{Months, NaiveDate, NaiveDateTime};

use super::cpd::{facts, load_rules, rule_for};
use super::rules::{cpd_check, CredentialStatus};
use super::{find_kind, person_for, Access};
use crate::audit;
use crate::auth::policy::{Caller, PeopleScope};
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::http::page::{Page, PageRequest};
use crate::http::report::Batch;
pub use model::*;

/// Views with their CPD check, for any number of rows, in two more queries.
pub fn with_cpd(
    conn: &mut DbConn,
    rows: Vec<AccreditationRow>,
    today: NaiveDate,
) -> Result<Vec<Accreditation>, AppError> {
    let rules = load_rules(conn)?;
    let people: Vec<&str> = rows.iter().map(|r| r.practitioner_id.as_str()).collect();
    let widest = rules
        .iter()
        .map(|(_, _, r)| r.period_months)
        .max()
        .unwrap_or(12)
        .max(0) as u32;
    let earliest = rows.iter().map(|r| r.expires_on).min().unwrap_or(today);
    let since = earliest
        .checked_sub_months(Months::new(widest))
        .unwrap_or(earliest);
    let mut by_person: HashMap<String, Vec<crate::accreditation::rules::CpdFact>> = HashMap::new();
    if !people.is_empty() && !rules.is_empty() {
        for (who, f) in facts(conn, &people, since)? {
            by_person.entry(who).or_default().push(f);
        }
    }
    let mut renewals = super::declarations::renewals(conn, &rows, today)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let renewal = renewals.remove(&r.id);
            let cpd = rule_for(&rules, &r.body_code, &r.kind).map(|rule| {
                cpd_check(
                    rule,
                    by_person
                        .get(&r.practitioner_id)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]),
                    r.expires_on,
                )
            });
            Accreditation::view(r, cpd, renewal, today)
        })
        .collect())
}

/// One page of a person's accreditations, each with its CPD check.
pub fn list_accreditations(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    page: &PageRequest,
    at: NaiveDateTime,
) -> Result<Page<Accreditation>, AppError> {
    person_for(conn, caller, person, Access::Read)?;
    let rows = queries::of_person(conn, person, page)?;
    let page = Page::from_rows(rows, page, |r| &r.id);
    Ok(Page {
        items: with_cpd(conn, page.items, at.date())?,
        next_cursor: page.next_cursor,
    })
}

/// Adds a credential period; it is `pending_verification` until someone checks it. A renewal
/// is a new period. A membership number is one person's: used by another, it is a conflict;
/// the same person may hold several kinds under it, but one kind's periods may not overlap.
pub fn add_accreditation(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    input: NewAccreditation,
    at: NaiveDateTime,
) -> Result<Accreditation, AppError> {
    validate(&input)?;
    let service = person_for(conn, caller, person, Access::OwnerOrManager)?;
    let mut errors = Vec::new();
    if !super::body_exists(conn, &input.body)? {
        errors.push(FieldError::new(
            "body",
            "must be BPS, BABCP, BACP, BPC or IPTUK",
        ));
    } else if find_kind(conn, &input.body, &input.kind)?.is_none() {
        errors.push(FieldError::new(
            "kind",
            format!("{} grants no credential called {}", input.body, input.kind),
        ));
    }
    if input.expires_on < input.valid_from {
        errors.push(FieldError::new("expires_on", "cannot be before valid_from"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let number = input.membership_number.trim().to_string();
    for other in &queries::with_number(conn, &input.body, &number)? {
        if other.practitioner_id != person {
            return Err(AppError::Conflict(format!(
                "{} membership number {number} is already recorded for another person",
                input.body
            )));
        }
        // One number may hold several credentials of a person (BABCP keeps a practitioner's
        // and a supervisor's accreditation under one): periods clash only within one kind.
        let overlaps = other.valid_from <= input.expires_on && input.valid_from <= other.expires_on;
        if other.kind == input.kind && overlaps {
            return Err(AppError::Conflict(format!(
                "{} {} under membership number {number} is already recorded for a period overlapping this one; a renewal is a new period",
                input.body, input.kind
            )));
        }
    }
    let row = AccreditationRow {
        id: uuid::Uuid::now_v7().to_string(),
        practitioner_id: person.to_string(),
        body_code: input.body,
        kind: input.kind,
        membership_number: number,
        valid_from: input.valid_from,
        expires_on: input.expires_on,
        verified_by: None,
        verified_at: None,
        verification_method: None,
        verification_reference: None,
        created_at: at,
        updated_at: at,
    };
    queries::insert(conn, &row)?;
    let view = with_cpd(conn, vec![row], at.date())?.remove(0);
    audit::of(&caller.id, "accreditation", &view.id)
        .in_service(service.as_deref())
        .created(conn, &view, at)?;
    Ok(view)
}

/// A training lead or admin records that they checked the credential: who, when, how and the
/// reference. Nobody verifies their own; a verification is never undone.
pub fn verify(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    input: Verification,
    at: NaiveDateTime,
) -> Result<Accreditation, AppError> {
    let (method, reference) = input.checked("record a new period instead")?;
    let before = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    let service = person_for(
        conn,
        caller,
        &before.practitioner_id,
        Access::ManagerNotOwner,
    )?;
    if before.verified_at.is_some() {
        return Err(AppError::Conflict(
            "this credential is already verified".into(),
        ));
    }
    let mut row = before.clone();
    row.verified_by = Some(caller.id.clone());
    row.verified_at = Some(at);
    row.verification_method = Some(method);
    row.verification_reference = reference;
    row.updated_at = at;
    if !queries::verify(conn, &row)? {
        return Err(AppError::Conflict(
            "this credential is already verified".into(),
        ));
    }
    let mut views = with_cpd(conn, vec![before, row], at.date())?;
    let after = views.remove(1);
    audit::of(&caller.id, "accreditation", id)
        .in_service(service.as_deref())
        .action(
            conn,
            "verify",
            audit::snapshot(&views[0])?,
            audit::snapshot(&after)?,
            at,
        )?;
    Ok(after)
}

/// The people in the scope (and service, when named) holding a credential of this status on
/// `today`: what the people list filters by. Two queries and the renewals' five.
pub fn people_with_status(
    conn: &mut DbConn,
    scope: &PeopleScope,
    service: Option<&str>,
    status: CredentialStatus,
    today: NaiveDate,
) -> Result<Vec<String>, AppError> {
    let rows = queries::of_scope(conn, scope, service)?;
    let mut renewals = super::declarations::renewals(conn, &rows, today)?;
    let mut out: Vec<String> = rows
        .into_iter()
        .filter(|r| {
            let verified = r.verified_at.is_some();
            let s = match renewals.remove(&r.id) {
                Some((due, lapsed)) => {
                    super::rules::declared_status(verified, due.next_declaration_on, lapsed, today)
                }
                None => super::rules::credential_status(verified, r.expires_on, today),
            };
            s == status
        })
        .map(|r| r.practitioner_id)
        .collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The report's `status` filter.
pub fn report_status(raw: Option<&str>) -> Result<Option<CredentialStatus>, AppError> {
    raw.map(|s| {
        CredentialStatus::parse(s).ok_or_else(|| {
            AppError::invalid(
                "status",
                "must be pending_verification, active, expiring, expired or lapsed",
            )
        })
    })
    .transpose()
}

/// One page of report rows in three queries (rows with their people, CPD rules, CPD facts).
pub fn report_page(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &ReportQuery,
    page: &PageRequest,
    at: NaiveDateTime,
) -> Result<Batch<ReportRow>, AppError> {
    let today = at.date();
    let status = report_status(q.status.as_deref())?;
    let declared = match status {
        Some(s) if s != CredentialStatus::PendingVerification => queries::declaration_codes(conn)?,
        _ => Vec::new(),
    };
    let filter = queries::ReportFilter {
        service_id: q.service_id.as_deref(),
        body: q.body.as_deref(),
        kind: q.kind.as_deref(),
        status,
        declared: &declared,
    };
    let rows = queries::report_rows(conn, scope, &filter, page, today)?;
    let (rows, next) = page.split(rows, |r| &r.0.id);
    let people: Vec<(String, Option<String>)> =
        rows.iter().map(|r| (r.1.clone(), r.2.clone())).collect();
    let views = with_cpd(conn, rows.into_iter().map(|r| r.0).collect(), today)?;
    // Rows renewed by declaration passed the query whatever their status: keep those asked for.
    let (views, people): (Vec<Accreditation>, Vec<(String, Option<String>)>) = views
        .into_iter()
        .zip(people)
        .filter(|(a, _)| status.is_none_or(|s| a.status == s))
        .unzip();
    let services: Vec<&str> = people.iter().filter_map(|p| p.1.as_deref()).collect();
    let service_names = crate::db::names::services(conn, &services)?;
    let checkers: Vec<&str> = views
        .iter()
        .filter_map(|a| a.verified_by.as_deref())
        .collect();
    let checker_names = crate::db::names::people(conn, &checkers)?;
    let out = views
        .into_iter()
        .zip(people)
        .map(|(a, (full_name, service_id))| ReportRow {
            practitioner_id: a.practitioner_id.clone(),
            full_name,
            service_name: service_id
                .as_ref()
                .and_then(|s| service_names.get(s).cloned()),
            service_id,
            verified_by_name: a
                .verified_by
                .as_ref()
                .and_then(|v| checker_names.get(v).cloned()),
            accreditation: a,
        })
        .collect();
    Ok((out, next))
}
