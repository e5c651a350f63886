//! What an accredited supervisor owes (BABCP: at least 20 hours a year of supervision given,
//! and supervision of their supervision of 5% of it or an hour a month), as data per body and
//! credential kind, worked out from the supervision logs.
//!
//! Definitions (the unit tests follow them):
//! - a rule applies to whoever holds a credential of its body and kind;
//! - given: minutes of sessions naming the person as supervisor, not rejected, of any type but
//!   supervision of supervision, held in `today - window_days < held_on <= today`;
//! - received: minutes of the person's own supervision of supervision, not rejected, in the
//!   same window;
//! - received is enough when it reaches `sos_percent` of given (rounded up) or
//!   `sos_minutes_per_month` for each of the window's months (`window_days * 12 / 365`,
//!   rounded), whichever is less.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::audit;
use crate::auth::policy::{can_edit_reference_rules, Caller};
use crate::db::schema::{accreditations, supervision_logs, supervisor_requirements};
use crate::db::DbConn;
use crate::error::{validate, AppError};

#[derive(Debug, Clone, Queryable, Selectable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = supervisor_requirements)]
pub struct DutyRule {
    pub id: String,
    #[serde(rename = "body")]
    pub body_code: String,
    pub credential_kind: String,
    pub min_given_minutes: i32,
    pub window_days: i32,
    pub sos_percent: i32,
    pub sos_minutes_per_month: i32,
    pub source: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyRules {
    pub items: Vec<DutyRule>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyRulePatch {
    #[validate(range(min = 0, max = 100000, message = "must be 0 to 100000 minutes"))]
    #[schema(minimum = 0, maximum = 100000)]
    pub min_given_minutes: Option<i32>,
    #[validate(range(min = 28, max = 1096, message = "must be 28 to 1096 days"))]
    #[schema(minimum = 28, maximum = 1096)]
    pub window_days: Option<i32>,
    #[validate(range(min = 0, max = 100, message = "must be 0 to 100"))]
    #[schema(minimum = 0, maximum = 100)]
    pub sos_percent: Option<i32>,
    #[validate(range(min = 0, max = 6000, message = "must be 0 to 6000 minutes"))]
    #[schema(minimum = 0, maximum = 6000)]
    pub sos_minutes_per_month: Option<i32>,
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub source: Option<String>,
}

/// A supervisor's standing against one rule.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SupervisorDuties {
    pub body: String,
    pub credential_kind: String,
    pub window_days: i32,
    /// Minutes of supervision given in the window.
    pub given_minutes: i32,
    pub required_given_minutes: i32,
    pub given_met: bool,
    /// Minutes of supervision of supervision received in the window.
    pub sos_minutes: i32,
    pub sos_required_minutes: i32,
    pub sos_met: bool,
    pub met: bool,
    pub source: String,
}

/// One rule's verdict from the minutes given and received.
pub fn evaluate(rule: &DutyRule, given: i32, received: i32) -> SupervisorDuties {
    let share = (i64::from(given) * i64::from(rule.sos_percent) + 99) / 100;
    let months = ((i64::from(rule.window_days) * 12 + 182) / 365).max(1);
    let monthly = months * i64::from(rule.sos_minutes_per_month);
    let sos_required = share.min(monthly) as i32;
    let given_met = given >= rule.min_given_minutes;
    let sos_met = received >= sos_required;
    SupervisorDuties {
        body: rule.body_code.clone(),
        credential_kind: rule.credential_kind.clone(),
        window_days: rule.window_days,
        given_minutes: given,
        required_given_minutes: rule.min_given_minutes,
        given_met,
        sos_minutes: received,
        sos_required_minutes: sos_required,
        sos_met,
        met: given_met && sos_met,
        source: rule.source.clone(),
    }
}

pub fn rules(conn: &mut DbConn) -> Result<DutyRules, AppError> {
    Ok(DutyRules {
        items: supervisor_requirements::table
            .order(supervisor_requirements::body_code.asc())
            .select(DutyRule::as_select())
            .load(conn)?,
    })
}

/// An admin changes a supervisor requirement.
pub fn change_rule(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: DutyRulePatch,
    at: NaiveDateTime,
) -> Result<DutyRule, AppError> {
    let before = supervisor_requirements::table
        .find(id)
        .select(DutyRule::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if !can_edit_reference_rules(caller) {
        return Err(AppError::Forbidden(
            "these rules are kept by an admin".into(),
        ));
    }
    validate(&patch)?;
    let mut r = before.clone();
    if let Some(v) = patch.min_given_minutes {
        r.min_given_minutes = v;
    }
    if let Some(v) = patch.window_days {
        r.window_days = v;
    }
    if let Some(v) = patch.sos_percent {
        r.sos_percent = v;
    }
    if let Some(v) = patch.sos_minutes_per_month {
        r.sos_minutes_per_month = v;
    }
    if let Some(v) = patch.source {
        r.source = v.trim().to_string();
    }
    r.updated_at = at;
    diesel::update(supervisor_requirements::table.find(id))
        .set(&r)
        .execute(conn)?;
    audit::of(&caller.id, "supervisor_requirement", id).updated(conn, &before, &r, at)?;
    Ok(r)
}

/// Each of these people's standing against the rules of credentials they hold, on `today`, in
/// four queries whatever their number (rules, holders, sessions given, sessions received).
pub fn of_people(
    conn: &mut DbConn,
    people: &[&str],
    today: NaiveDate,
) -> Result<HashMap<String, Vec<SupervisorDuties>>, AppError> {
    let mut out: HashMap<String, Vec<SupervisorDuties>> = HashMap::new();
    if people.is_empty() {
        return Ok(out);
    }
    let rules = rules(conn)?.items;
    if rules.is_empty() {
        return Ok(out);
    }
    let kinds: Vec<&str> = rules.iter().map(|r| r.credential_kind.as_str()).collect();
    let held: Vec<(String, String, String)> = accreditations::table
        .filter(accreditations::practitioner_id.eq_any(people))
        .filter(accreditations::kind.eq_any(&kinds))
        .select((
            accreditations::practitioner_id,
            accreditations::body_code,
            accreditations::kind,
        ))
        .distinct()
        .load(conn)?;
    if held.is_empty() {
        return Ok(out);
    }
    let holders: Vec<&str> = held.iter().map(|h| h.0.as_str()).collect();
    let widest = rules.iter().map(|r| r.window_days).max().unwrap_or(365);
    let since = today - Duration::days(i64::from(widest));
    const SOS: &str = "supervision_of_supervision";
    let given: Vec<(String, NaiveDate, i32)> = supervision_logs::table
        .filter(supervision_logs::supervisor_id.eq_any(&holders))
        .filter(supervision_logs::held_on.gt(since))
        .filter(supervision_logs::held_on.le(today))
        .filter(supervision_logs::status.ne("rejected"))
        .filter(supervision_logs::supervision_type.ne(SOS))
        .select((
            supervision_logs::supervisor_id,
            supervision_logs::held_on,
            supervision_logs::duration_minutes,
        ))
        .load(conn)?;
    let received: Vec<(String, NaiveDate, i32)> = supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq_any(&holders))
        .filter(supervision_logs::held_on.gt(since))
        .filter(supervision_logs::held_on.le(today))
        .filter(supervision_logs::status.ne("rejected"))
        .filter(supervision_logs::supervision_type.eq(SOS))
        .select((
            supervision_logs::supervisee_id,
            supervision_logs::held_on,
            supervision_logs::duration_minutes,
        ))
        .load(conn)?;
    let sum = |rows: &[(String, NaiveDate, i32)], who: &str, window: i32| -> i32 {
        let from = today - Duration::days(i64::from(window));
        rows.iter()
            .filter(|(w, on, _)| w == who && *on > from)
            .map(|(_, _, m)| *m)
            .sum()
    };
    for (who, body, kind) in &held {
        for rule in rules
            .iter()
            .filter(|r| &r.body_code == body && &r.credential_kind == kind)
        {
            let d = evaluate(
                rule,
                sum(&given, who, rule.window_days),
                sum(&received, who, rule.window_days),
            );
            out.entry(who.clone()).or_default().push(d);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn babcp() -> DutyRule {
        DutyRule {
            id: "r".into(),
            body_code: "BABCP".into(),
            credential_kind: "accredited_supervisor".into(),
            min_given_minutes: 1200,
            window_days: 365,
            sos_percent: 5,
            sos_minutes_per_month: 60,
            source: "BABCP".into(),
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn twenty_hours_given_and_five_percent_received_meet_the_rule() {
        // 1,200 minutes given: 5% is 60 minutes, less than 12 hours.
        let d = evaluate(&babcp(), 1200, 60);
        assert_eq!(
            (d.sos_required_minutes, d.given_met, d.sos_met, d.met),
            (60, true, true, true)
        );
        let d = evaluate(&babcp(), 1199, 60);
        assert_eq!((d.given_met, d.met), (false, false));
        let d = evaluate(&babcp(), 1201, 60);
        // 5% of 1,201 rounds up to 61.
        assert_eq!((d.sos_required_minutes, d.sos_met), (61, false));
    }

    #[test]
    fn an_hour_a_month_is_enough_however_much_is_given() {
        // 20,000 minutes given: 5% is 1,000; twelve hours (720) is less.
        let d = evaluate(&babcp(), 20000, 720);
        assert_eq!((d.sos_required_minutes, d.sos_met), (720, true));
        assert!(!evaluate(&babcp(), 20000, 719).sos_met);
    }
}
