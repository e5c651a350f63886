//! Credentials renewed by annual declaration: the declarations practitioners make to their
//! body, leaves of absence that move the date (and pause reminders), and the next declaration
//! date each credential shows (`renewals`), aligned where the body aligns two kinds.

pub mod model;
pub mod queries;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::credentials::{self, AccreditationRow};
use super::renewal::{self, Leave, Renewal};
use super::{person_for, Access};
use crate::audit;
use crate::auth::policy::Caller;
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::thresholds::Threshold;
pub use model::*;

/// The longest leave of absence recorded at once.
const LONGEST_LEAVE_DAYS: i64 = 3 * 366;

/// A credential and its person's service, once the caller may record for it.
fn credential_for(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    need: Access,
) -> Result<(AccreditationRow, Option<String>), AppError> {
    let row = credentials::queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    let service = person_for(conn, caller, &row.practitioner_id, need)?;
    Ok((row, service))
}

/// Records an annual declaration on a credential whose kind renews by declaration. The
/// practitioner's own record waits for a check; a lead or admin who names how they checked it
/// records it checked.
pub fn declare(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    input: NewDeclaration,
    at: NaiveDateTime,
) -> Result<Declaration, AppError> {
    let (row, service) = credential_for(conn, caller, id, Access::OwnerOrManager)?;
    let kind = super::find_kind(conn, &row.body_code, &row.kind)?;
    if kind.as_ref().map(|k| k.renewal) != Some(Renewal::AnnualDeclaration) {
        return Err(AppError::Conflict(format!(
            "{} {} renews by a fixed expiry date, not by an annual declaration",
            row.body_code, row.kind
        )));
    }
    let mut errors = match validate(&input) {
        Err(AppError::Validation(e)) => e,
        Err(other) => return Err(other),
        Ok(()) => Vec::new(),
    };
    if input.declared_on > at.date() {
        errors.push(FieldError::new("declared_on", "cannot be in the future"));
    } else if input.declared_on < row.valid_from {
        errors.push(FieldError::new(
            "declared_on",
            "cannot be before the credential's valid_from",
        ));
    }
    let checked = input.verification_method.is_some();
    if checked && caller.id == row.practitioner_id {
        errors.push(FieldError::new(
            "verification_method",
            "a declaration is checked by a training lead or admin, not its practitioner",
        ));
    }
    if !checked && input.verification_reference.is_some() {
        errors.push(FieldError::new(
            "verification_method",
            "must say how the declaration was checked when a reference is given",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let d = Declaration {
        id: uuid::Uuid::now_v7().to_string(),
        accreditation_id: row.id.clone(),
        declared_on: input.declared_on,
        recorded_by: caller.id.clone(),
        verified_by: checked.then(|| caller.id.clone()),
        verified_at: checked.then_some(at),
        verification_method: input.verification_method,
        verification_reference: input
            .verification_reference
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        created_at: at,
        updated_at: at,
    };
    queries::insert_declaration(conn, &d)?;
    audit::of(&caller.id, "accreditation_declaration", &d.id)
        .in_service(service.as_deref())
        .created(conn, &d, at)?;
    Ok(d)
}

/// Records a leave of absence: it moves the next declaration date by its length and pauses
/// the person's supervision and CPD reminders while it lasts. Leaves of one person never
/// overlap.
pub fn record_leave(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    input: NewLeave,
    at: NaiveDateTime,
) -> Result<LeaveOfAbsence, AppError> {
    let (row, service) = credential_for(conn, caller, id, Access::OwnerOrManager)?;
    let mut errors = match validate(&input) {
        Err(AppError::Validation(e)) => e,
        Err(other) => return Err(other),
        Ok(()) => Vec::new(),
    };
    let leave = Leave {
        from: input.from,
        to: input.to,
    };
    if input.to < input.from {
        errors.push(FieldError::new("to", "cannot be before from"));
    } else if leave.days() > LONGEST_LEAVE_DAYS {
        errors.push(FieldError::new(
            "to",
            format!(
                "a leave may last at most {LONGEST_LEAVE_DAYS} days; record a longer one in parts"
            ),
        ));
    } else if let Some(other) = queries::leaves_of_people(conn, &[row.practitioner_id.as_str()])?
        .iter()
        .find(|l| renewal::overlaps(&l.leave(), &leave))
    {
        errors.push(FieldError::new(
            "from",
            format!(
                "overlaps the leave already recorded from {} to {}",
                other.starts_on, other.ends_on
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let l = LeaveOfAbsence {
        id: uuid::Uuid::now_v7().to_string(),
        accreditation_id: row.id.clone(),
        practitioner_id: row.practitioner_id.clone(),
        starts_on: input.from,
        ends_on: input.to,
        reason: input.reason.trim().to_string(),
        recorded_by: caller.id.clone(),
        created_at: at,
        updated_at: at,
    };
    queries::insert_leave(conn, &l)?;
    audit::of(&caller.id, "leave_of_absence", &l.id)
        .in_service(service.as_deref())
        .created(conn, &l, at)?;
    Ok(l)
}

/// A training lead or admin records that they checked a declaration with the body, as for a
/// credential: who, when, how and the reference. Nobody checks their own; a check is final.
pub fn verify_declaration(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    input: crate::accreditation::credentials::Verification,
    at: NaiveDateTime,
) -> Result<Declaration, AppError> {
    let before = queries::find_declaration(conn, id)?.ok_or(AppError::NotFound)?;
    let (_, service) = credential_for(
        conn,
        caller,
        &before.accreditation_id,
        Access::ManagerNotOwner,
    )?;
    let (method, reference) = input.checked("record a new declaration instead")?;
    let mut after = before.clone();
    after.verified_by = Some(caller.id.clone());
    after.verified_at = Some(at);
    after.verification_method = Some(method);
    after.verification_reference = reference;
    after.updated_at = at;
    if before.verified_at.is_some() || !queries::verify_declaration(conn, &after)? {
        return Err(AppError::Conflict(
            "this declaration is already checked".into(),
        ));
    }
    audit::of(&caller.id, "accreditation_declaration", id)
        .in_service(service.as_deref())
        .action(
            conn,
            "verify",
            audit::snapshot(&before)?,
            audit::snapshot(&after)?,
            at,
        )?;
    Ok(after)
}

pub fn list_declarations(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<Declarations, AppError> {
    let (row, _) = credential_for(conn, caller, id, Access::Read)?;
    Ok(Declarations {
        items: queries::declarations_of(conn, &[row.id.as_str()])?,
    })
}

pub fn list_leaves(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<Leaves, AppError> {
    let (row, _) = credential_for(conn, caller, id, Access::Read)?;
    Ok(Leaves {
        items: queries::leaves_of_people(conn, &[row.practitioner_id.as_str()])?
            .into_iter()
            .filter(|l| l.accreditation_id == row.id)
            .collect(),
    })
}

/// Which of these people are on a leave of absence on `day` (one query).
pub fn people_on_leave(
    conn: &mut DbConn,
    people: &[&str],
    day: NaiveDate,
) -> Result<std::collections::HashSet<String>, AppError> {
    Ok(queries::on_leave(conn, people, day)?.into_iter().collect())
}

/// Where each credential renewed by declaration stands on `today`, by credential id, with
/// whether it has lapsed; in five queries (one more per 10,000 credentials or people).
pub fn renewals(
    conn: &mut DbConn,
    rows: &[AccreditationRow],
    today: NaiveDate,
) -> Result<HashMap<String, (DeclarationDue, bool)>, AppError> {
    let kinds: HashMap<(String, String), super::CredentialKind> =
        super::kinds::list_kinds(conn, None)?
            .into_iter()
            .filter(|k| k.renewal == Renewal::AnnualDeclaration)
            .map(|k| ((k.body_code.clone(), k.code.clone()), k))
            .collect();
    let declared: Vec<&AccreditationRow> = rows
        .iter()
        .filter(|r| kinds.contains_key(&(r.body_code.clone(), r.kind.clone())))
        .collect();
    if declared.is_empty() {
        return Ok(HashMap::new());
    }
    let opens = crate::thresholds::all(conn)?.days(Threshold::DeclarationOpensDays)?;
    let mut people: Vec<&str> = declared
        .iter()
        .map(|r| r.practitioner_id.as_str())
        .collect();
    people.sort_unstable();
    people.dedup();
    let anchor_kinds: Vec<&str> = declared
        .iter()
        .filter_map(|r| kinds.get(&(r.body_code.clone(), r.kind.clone())))
        .filter_map(|k| k.aligned_with.as_deref())
        .collect();
    let anchors = queries::of_people_and_kinds(conn, &people, &anchor_kinds)?;
    let mut ids: Vec<&str> = declared.iter().map(|r| r.id.as_str()).collect();
    ids.extend(anchors.iter().map(|a| a.id.as_str()));
    let mut dates: HashMap<String, Vec<NaiveDate>> = HashMap::new();
    for d in queries::declarations_of(conn, &ids)? {
        dates
            .entry(d.accreditation_id)
            .or_default()
            .push(d.declared_on);
    }
    let mut leaves: HashMap<String, Vec<Leave>> = HashMap::new();
    for l in queries::leaves_of_people(conn, &people)? {
        leaves
            .entry(l.practitioner_id.clone())
            .or_default()
            .push(l.leave());
    }
    let mut out = HashMap::new();
    for r in declared {
        let Some(kind) = kinds.get(&(r.body_code.clone(), r.kind.clone())) else {
            continue;
        };
        // The body's alignment: the person's latest credential of the kind named.
        let anchor = kind.aligned_with.as_deref().and_then(|k| {
            anchors
                .iter()
                .filter(|a| {
                    a.practitioner_id == r.practitioner_id
                        && a.body_code == r.body_code
                        && a.kind == k
                })
                .max_by_key(|a| a.valid_from)
        });
        let source = anchor.unwrap_or(r);
        let mut made: Vec<NaiveDate> = dates.get(&source.id).cloned().unwrap_or_default();
        if anchor.is_some() {
            made.extend(dates.get(&r.id).into_iter().flatten());
        }
        let own_leaves = leaves
            .get(&r.practitioner_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let (next, moved) = renewal::next_declaration(source.valid_from, &made, own_leaves, opens);
        let grace = kind.declaration_grace_days.unwrap_or(0);
        let mut note = Vec::new();
        if let Some(a) = anchor {
            note.push(format!(
                "{} gives this the same declaration date as the {} credential, so it follows that one's",
                r.body_code, a.kind
            ));
        }
        if moved > 0 {
            note.push(format!("moved by {moved} days of leave of absence"));
        }
        let due = DeclarationDue {
            next_declaration_on: next,
            grace_ends_on: next + Duration::days(i64::from(grace)),
            last_declared_on: made.iter().max().copied(),
            moved_by_leave_days: moved,
            on_leave: own_leaves.iter().any(|l| l.covers(today)),
            aligned_with: anchor.map(|a| a.id.clone()),
            note: (!note.is_empty()).then(|| note.join("; ")),
        };
        out.insert(r.id.clone(), (due, renewal::lapsed(next, grace, today)));
    }
    Ok(out)
}
