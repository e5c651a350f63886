//! PWP live assessments of practice: a supervisor of the person's service records each (an
//! outcome on an intervention, or why none was possible); the interventions and the rules per
//! body and role are data an admin keeps. Compliance with the rules is `supervision::live`.

pub mod model;
pub mod queries;
pub mod routes;

use chrono::NaiveDateTime;

use crate::audit;
use crate::auth::policy::{
    can_edit_reference_rules, can_view_live_assessments, may_record_live_assessment, Caller,
    Decision,
};
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::http::page::PageRequest;
pub use model::*;
pub use routes::routes;

/// The person's service and the caller's linked services, once the caller may see the
/// person's live assessments (else 404).
fn person_seen(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
) -> Result<(Option<String>, Vec<String>), AppError> {
    let (service, _, _) = queries::person(conn, person)?.ok_or(AppError::NotFound)?;
    let linked = queries::linked_services(conn, &caller.id)?;
    if !can_view_live_assessments(caller, person, service.as_deref(), &linked) {
        return Err(AppError::NotFound);
    }
    Ok((service, linked))
}

/// One page (up to `page.fetch()`) of a person's live assessments.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    page: &PageRequest,
) -> Result<Vec<LiveAssessment>, AppError> {
    person_seen(conn, caller, person)?;
    queries::of_person(conn, person, page)
}

/// A supervisor records a live assessment of a person they may assess. Every problem with
/// the input is named at once.
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    input: NewLiveAssessment,
    at: NaiveDateTime,
) -> Result<LiveAssessment, AppError> {
    let (service, linked) = person_seen(conn, caller, person)?;
    match may_record_live_assessment(caller, person, service.as_deref(), &linked) {
        Decision::Allowed => {}
        Decision::Forbidden(why) => return Err(AppError::Forbidden(why.into())),
        Decision::Hidden => return Err(AppError::NotFound),
    }
    let mut errors = match validate(&input) {
        Err(AppError::Validation(e)) => e,
        Err(other) => return Err(other),
        Ok(()) => Vec::new(),
    };
    if input.assessed_on > at.date() {
        errors.push(FieldError::new("assessed_on", "cannot be in the future"));
    }
    match (&input.outcome, &input.not_possible_reason) {
        (Some(_), Some(_)) => errors.push(FieldError::new(
            "not_possible_reason",
            "give either an outcome or why no assessment was possible, not both",
        )),
        (None, None) => errors.push(FieldError::new(
            "outcome",
            "choose an outcome (meets_standard or not_yet), or say in not_possible_reason why no assessment was possible",
        )),
        _ => {}
    }
    let intervention = input
        .intervention
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match intervention {
        Some(code) if !queries::intervention_exists(conn, code)? => errors.push(FieldError::new(
            "intervention",
            format!("{code} is not in the list of interventions (GET /api/v1/live-assessment-interventions)"),
        )),
        None if input.outcome.is_some() => errors.push(FieldError::new(
            "intervention",
            "must name the intervention assessed",
        )),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let a = LiveAssessment {
        id: uuid::Uuid::now_v7().to_string(),
        practitioner_id: person.to_string(),
        assessor_id: caller.id.clone(),
        assessed_on: input.assessed_on,
        intervention: intervention.map(str::to_string),
        outcome: input.outcome,
        tool: input
            .tool
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| DEFAULT_TOOL.to_string()),
        notes: input.notes.filter(|n| !n.trim().is_empty()),
        not_possible_reason: input.not_possible_reason.map(|r| r.trim().to_string()),
        created_at: at,
        updated_at: at,
    };
    queries::insert(conn, &a)?;
    audit::of(&caller.id, "live_assessment", &a.id)
        .in_service(service.as_deref())
        .created(conn, &a, at)?;
    Ok(a)
}

pub fn interventions(conn: &mut DbConn) -> Result<Interventions, AppError> {
    Ok(Interventions {
        items: queries::interventions(conn)?,
    })
}

/// An admin adds an intervention to the list.
pub fn add_intervention(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewIntervention,
    at: NaiveDateTime,
) -> Result<Intervention, AppError> {
    if !can_edit_reference_rules(caller) {
        return Err(AppError::Forbidden(
            "the list of interventions is kept by an admin".into(),
        ));
    }
    validate(&input)?;
    let code = input.code.trim().to_string();
    if !code
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(AppError::invalid(
            "code",
            "must be lower-case letters, digits and underscores",
        ));
    }
    if queries::intervention_exists(conn, &code)? {
        return Err(AppError::Conflict(format!("{code} is already in the list")));
    }
    let position = queries::interventions(conn)?
        .iter()
        .map(|i| i.position)
        .max()
        .unwrap_or(0)
        + 1;
    let i = Intervention {
        code,
        name: input.name.trim().to_string(),
        position,
        created_at: at,
        updated_at: at,
    };
    queries::insert_intervention(conn, &i)?;
    audit::of(&caller.id, "live_assessment_intervention", &i.code).created(conn, &i, at)?;
    Ok(i)
}

pub fn rules(conn: &mut DbConn) -> Result<LiveRules, AppError> {
    Ok(LiveRules {
        items: queries::rules(conn)?,
    })
}

/// An admin changes a body's live-assessment rule for a role.
pub fn change_rule(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: LiveRulePatch,
    at: NaiveDateTime,
) -> Result<LiveRuleRow, AppError> {
    let before = queries::find_rule(conn, id)?.ok_or(AppError::NotFound)?;
    if !can_edit_reference_rules(caller) {
        return Err(AppError::Forbidden(
            "these rules are kept by an admin".into(),
        ));
    }
    validate(&patch)?;
    let mut r = before.clone();
    if let Some(v) = patch.min_assessments {
        r.min_assessments = v;
    }
    if let Some(v) = patch.min_interventions {
        r.min_interventions = v;
    }
    if let Some(v) = patch.window_days {
        r.window_days = v;
    }
    if let Some(v) = patch.source {
        r.source = v.trim().to_string();
    }
    if r.min_interventions > r.min_assessments {
        return Err(AppError::invalid(
            "min_interventions",
            "cannot be more than min_assessments",
        ));
    }
    r.updated_at = at;
    queries::update_rule(conn, &r)?;
    audit::of(&caller.id, "live_assessment_rule", id).updated(conn, &before, &r, at)?;
    Ok(r)
}
