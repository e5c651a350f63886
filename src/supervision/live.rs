//! PWP live assessments of practice as compliance: a rule (data per body and role) of so many
//! assessments meeting the standard on so many different interventions within a window, with
//! "today" passed in.
//!
//! Definitions (the unit tests follow them):
//! - an assessment counts when its outcome is `meets_standard`, it names an intervention, and
//!   `today - window_days < assessed_on <= today` (one exactly `window_days` ago no longer
//!   counts); a `not_yet` outcome or a "not possible" record is kept but does not count;
//! - the rule is met when at least `min_assessments` count and they cover at least
//!   `min_interventions` different interventions;
//! - met: `next_due_on` is the first day on which, with no new assessment, the window would no
//!   longer meet it; `due_soon` when that is within the notice days, else `compliant`;
//! - not met: a person in post for less than one window is `due_soon`, due when that window
//!   ends; anyone else is `overdue`, due today, or `on_leave` when today is inside a leave;
//! - a rule counts as in force from the day it was added (`since`): everyone's first window
//!   starts no earlier, as a new starter's does, so a new rule (or the registry's first year
//!   of records) never makes people overdue for assessments it could not have seen;
//! - `last_assessed_on` is the latest assessment with an outcome, counting or not.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::ComplianceStatus;

/// What the compliance of one rule needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRule {
    pub body: String,
    /// The day the rule came into force in the registry.
    pub since: NaiveDate,
    pub min_assessments: i32,
    pub min_interventions: i32,
    pub window_days: i32,
}

/// One live assessment as the rule reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFact {
    pub assessed_on: NaiveDate,
    pub intervention: Option<String>,
    pub meets_standard: bool,
    /// False for a record that no assessment was possible.
    pub has_outcome: bool,
}

/// A person's live assessments against their rule, as `GET .../supervision-compliance` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LiveAssessmentCompliance {
    /// The body whose rule this is.
    pub body: String,
    pub required: i32,
    /// Assessments meeting the standard in the window.
    pub achieved: i32,
    pub distinct_interventions: i32,
    pub required_interventions: i32,
    pub window_days: i32,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_assessed_on: Option<NaiveDate>,
    #[schema(value_type = String, format = Date)]
    pub next_due_on: NaiveDate,
    pub status: ComplianceStatus,
}

fn met(rule: &LiveRule, counting: &[&LiveFact]) -> bool {
    let distinct: HashSet<&str> = counting
        .iter()
        .filter_map(|f| f.intervention.as_deref())
        .collect();
    counting.len() as i64 >= i64::from(rule.min_assessments)
        && distinct.len() as i64 >= i64::from(rule.min_interventions)
}

/// The start of a person's first window: their start in post, but not before the rule.
fn first_start(rule: &LiveRule, started_on: Option<NaiveDate>) -> Option<NaiveDate> {
    Some(started_on.map_or(rule.since, |s| s.max(rule.since)))
}

/// The rule that applies to a person of `role`: the strictest of the bodies' rules for it.
pub fn rule_for<'a>(rules: &'a [(String, LiveRule)], role: Option<&str>) -> Option<&'a LiveRule> {
    rules
        .iter()
        .filter(|(r, _)| Some(r.as_str()) == role)
        .map(|(_, rule)| rule)
        .max_by_key(|r| (r.min_assessments, r.min_interventions, -r.window_days))
}

pub fn evaluate(
    rule: &LiveRule,
    started_on: Option<NaiveDate>,
    facts: &[LiveFact],
    today: NaiveDate,
    notice_days: i64,
    on_leave: bool,
) -> LiveAssessmentCompliance {
    let window = Duration::days(i64::from(rule.window_days));
    let mut counting: Vec<&LiveFact> = facts
        .iter()
        .filter(|f| {
            f.meets_standard
                && f.intervention.is_some()
                && f.assessed_on <= today
                && f.assessed_on > today - window
        })
        .collect();
    counting.sort_by_key(|f| f.assessed_on);
    let distinct: HashSet<&str> = counting
        .iter()
        .filter_map(|f| f.intervention.as_deref())
        .collect();
    let last_assessed_on = facts
        .iter()
        .filter(|f| f.has_outcome && f.assessed_on <= today)
        .map(|f| f.assessed_on)
        .max();
    let (status, next_due_on) = if met(rule, &counting) {
        // Oldest first: the day the window stops meeting the rule is the day after the
        // assessment whose ageing out breaks it leaves the window.
        let mut next = today + window;
        for i in 0..counting.len() {
            if !met(rule, &counting[i + 1..]) {
                next = counting[i].assessed_on + window;
                break;
            }
        }
        let status = if next <= today + Duration::days(notice_days) {
            ComplianceStatus::DueSoon
        } else {
            ComplianceStatus::Compliant
        };
        (status, next)
    } else if let Some(first_window_ends) = first_start(rule, started_on)
        .map(|s| s + window)
        .filter(|ends| *ends > today)
    {
        (ComplianceStatus::DueSoon, first_window_ends)
    } else if on_leave {
        (ComplianceStatus::OnLeave, today)
    } else {
        (ComplianceStatus::Overdue, today)
    };
    LiveAssessmentCompliance {
        body: rule.body.clone(),
        required: rule.min_assessments,
        achieved: counting.len() as i32,
        distinct_interventions: distinct.len() as i32,
        required_interventions: rule.min_interventions,
        window_days: rule.window_days,
        last_assessed_on,
        next_due_on,
        status,
    }
}

/// The first day of the current overdue spell: the last day on which an assessment leaving
/// the window broke a rule that was met the day before, else the end of the person's first
/// window (from their start in post, or the rule's, whichever is later).
pub fn overdue_since(
    rule: &LiveRule,
    started_on: Option<NaiveDate>,
    facts: &[LiveFact],
    today: NaiveDate,
) -> NaiveDate {
    let window = Duration::days(i64::from(rule.window_days));
    let met_on = |day: NaiveDate| {
        let counting: Vec<&LiveFact> = facts
            .iter()
            .filter(|f| {
                f.meets_standard
                    && f.intervention.is_some()
                    && f.assessed_on <= day
                    && f.assessed_on > day - window
            })
            .collect();
        met(rule, &counting)
    };
    let mut leaving: Vec<NaiveDate> = facts
        .iter()
        .map(|f| f.assessed_on + window)
        .filter(|d| *d <= today)
        .collect();
    leaving.sort_unstable_by(|a, b| b.cmp(a));
    let first_window_ends = first_start(rule, started_on)
        .map(|s| s + window)
        .filter(|d| *d <= today);
    for d in leaving {
        if first_window_ends.is_some_and(|f| d < f) {
            break;
        }
        if met_on(d - Duration::days(1)) && !met_on(d) {
            return d;
        }
    }
    first_window_ends.unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today)
    })
}

/// One person's verdict, with the rule and the assessments it was drawn from.
pub type LiveVerdict = (LiveAssessmentCompliance, LiveRule, Vec<LiveFact>);

/// The live-assessment compliance of each subject whose role a rule covers, on `today`: the
/// rules, the notice threshold, who is on leave and the assessments, in four queries.
pub fn of_subjects(
    conn: &mut crate::db::DbConn,
    subjects: &[super::Subject],
    today: NaiveDate,
) -> Result<std::collections::HashMap<String, LiveVerdict>, crate::error::AppError> {
    let rules: Vec<(String, LiveRule)> = crate::live_assessments::queries::rules(conn)?
        .into_iter()
        .map(|r| {
            (
                r.practitioner_role,
                LiveRule {
                    since: r.created_at.date(),
                    body: r.body_code,
                    min_assessments: r.min_assessments,
                    min_interventions: r.min_interventions,
                    window_days: r.window_days,
                },
            )
        })
        .collect();
    let covered: Vec<(&super::Subject, &LiveRule)> = subjects
        .iter()
        .filter_map(|s| rule_for(&rules, s.practitioner_role.as_deref()).map(|r| (s, r)))
        .collect();
    let mut out = std::collections::HashMap::new();
    if covered.is_empty() {
        return Ok(out);
    }
    let notice = crate::thresholds::all(conn)?
        .days(crate::thresholds::Threshold::LiveAssessmentNoticeDays)?;
    let widest = covered
        .iter()
        .map(|(_, r)| r.window_days)
        .max()
        .unwrap_or(365);
    let ids: Vec<&str> = covered.iter().map(|(s, _)| s.id.as_str()).collect();
    let on_leave = crate::accreditation::declarations::people_on_leave(conn, &ids, today)?;
    let mut facts: std::collections::HashMap<String, Vec<LiveFact>> =
        std::collections::HashMap::new();
    let since = today - Duration::days(3 * i64::from(widest));
    for (who, on, intervention, outcome) in
        crate::live_assessments::queries::facts(conn, &ids, since, today)?
    {
        facts.entry(who).or_default().push(LiveFact {
            assessed_on: on,
            intervention,
            meets_standard: outcome == Some(crate::live_assessments::LiveOutcome::MeetsStandard),
            has_outcome: outcome.is_some(),
        });
    }
    for (s, rule) in covered {
        let mine = facts.remove(&s.id).unwrap_or_default();
        let c = evaluate(
            rule,
            s.started_on,
            &mine,
            today,
            notice,
            on_leave.contains(&s.id),
        );
        out.insert(s.id.clone(), (c, rule.clone(), mine));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rule() -> LiveRule {
        LiveRule {
            body: "BPS".into(),
            since: d("2000-01-01"),
            min_assessments: 2,
            min_interventions: 2,
            window_days: 365,
        }
    }

    fn fact(on: &str, what: &str, meets: bool) -> LiveFact {
        LiveFact {
            assessed_on: d(on),
            intervention: Some(what.into()),
            meets_standard: meets,
            has_outcome: true,
        }
    }

    const TODAY: &str = "2026-12-04";
    const LONG_AGO: &str = "2020-01-01";

    #[test]
    fn one_assessment_is_due_and_two_on_different_interventions_comply() {
        let one = [fact("2026-06-01", "exposure", true)];
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &one, d(TODAY), 30, false);
        assert_eq!(
            (c.status, c.achieved, c.next_due_on),
            (ComplianceStatus::Overdue, 1, d(TODAY))
        );
        // A new starter is due when their first year ends.
        let c = evaluate(&rule(), Some(d("2026-09-01")), &one, d(TODAY), 30, false);
        assert_eq!(
            (c.status, c.next_due_on),
            (ComplianceStatus::DueSoon, d("2027-09-01"))
        );
        let two = [
            fact("2026-06-01", "exposure", true),
            fact("2026-10-01", "sleep_management", true),
        ];
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &two, d(TODAY), 30, false);
        // The June assessment leaves the window on 2027-06-01.
        assert_eq!(
            (
                c.status,
                c.achieved,
                c.distinct_interventions,
                c.next_due_on
            ),
            (ComplianceStatus::Compliant, 2, 2, d("2027-06-01"))
        );
    }

    #[test]
    fn two_on_the_same_intervention_or_not_yet_do_not_comply() {
        let same = [
            fact("2026-06-01", "exposure", true),
            fact("2026-10-01", "exposure", true),
        ];
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &same, d(TODAY), 30, false);
        assert_eq!(
            (c.status, c.achieved, c.distinct_interventions),
            (ComplianceStatus::Overdue, 2, 1)
        );
        let not_yet = [
            fact("2026-06-01", "exposure", true),
            fact("2026-10-01", "worry_management", false),
        ];
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &not_yet, d(TODAY), 30, false);
        assert_eq!(
            (c.status, c.achieved, c.last_assessed_on),
            (ComplianceStatus::Overdue, 1, Some(d("2026-10-01")))
        );
    }

    #[test]
    fn an_assessment_exactly_a_window_ago_no_longer_counts() {
        // 2025-12-04 is 365 days before 2026-12-04; 2025-12-05 is 364.
        let edge = [
            fact("2025-12-04", "exposure", true),
            fact("2026-10-01", "sleep_management", true),
        ];
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &edge, d(TODAY), 30, false);
        assert_eq!((c.status, c.achieved), (ComplianceStatus::Overdue, 1));
        let inside = [
            fact("2025-12-05", "exposure", true),
            fact("2026-10-01", "sleep_management", true),
        ];
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &inside, d(TODAY), 30, false);
        // Still met today, and due tomorrow, within the notice.
        assert_eq!(
            (c.status, c.next_due_on),
            (ComplianceStatus::DueSoon, d("2026-12-05"))
        );
    }

    #[test]
    fn the_notice_and_leave_change_the_words_not_the_dates() {
        let two = [
            fact("2026-01-01", "exposure", true),
            fact("2026-02-01", "sleep_management", true),
        ];
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &two, d(TODAY), 30, false);
        assert_eq!(
            (c.status, c.next_due_on),
            (ComplianceStatus::DueSoon, d("2027-01-01"))
        );
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &two, d(TODAY), 20, false);
        assert_eq!(c.status, ComplianceStatus::Compliant);
        let c = evaluate(&rule(), Some(d(LONG_AGO)), &[], d(TODAY), 30, true);
        assert_eq!(
            (c.status, c.next_due_on),
            (ComplianceStatus::OnLeave, d(TODAY))
        );
    }

    #[test]
    fn an_overdue_spell_begins_when_an_assessment_leaves_the_window() {
        let two = [
            fact("2025-06-01", "exposure", true),
            fact("2025-10-01", "sleep_management", true),
        ];
        // Met until 2026-05-31; from 2026-06-01 the June assessment is out.
        assert_eq!(
            overdue_since(&rule(), Some(d(LONG_AGO)), &two, d(TODAY)),
            d("2026-06-01")
        );
        // Never met: from the end of the first window.
        assert_eq!(
            overdue_since(&rule(), Some(d("2025-01-10")), &[], d(TODAY)),
            d("2026-01-10")
        );
        // No start date: the rule's first window.
        assert_eq!(overdue_since(&rule(), None, &[], d(TODAY)), d("2000-12-31"));
    }

    #[test]
    fn a_new_rule_gives_everyone_one_window() {
        let new = LiveRule {
            since: d("2026-11-01"),
            ..rule()
        };
        let c = evaluate(&new, Some(d(LONG_AGO)), &[], d(TODAY), 30, false);
        assert_eq!(
            (c.status, c.next_due_on),
            (ComplianceStatus::DueSoon, d("2027-11-01"))
        );
        let old = LiveRule {
            since: d("2025-11-01"),
            ..rule()
        };
        let c = evaluate(&old, Some(d(LONG_AGO)), &[], d(TODAY), 30, false);
        assert_eq!(c.status, ComplianceStatus::Overdue);
        assert_eq!(
            overdue_since(&old, Some(d(LONG_AGO)), &[], d(TODAY)),
            d("2026-11-01")
        );
    }

    #[test]
    fn the_strictest_rule_for_the_role_applies() {
        let lax = LiveRule {
            body: "BPS".into(),
            min_assessments: 1,
            ..rule()
        };
        let strict = LiveRule {
            body: "BABCP".into(),
            ..rule()
        };
        let rules = vec![
            ("pwp".to_string(), lax),
            ("pwp".to_string(), strict),
            ("cbt_therapist".to_string(), rule()),
        ];
        assert_eq!(
            rule_for(&rules, Some("pwp")).map(|r| r.body.as_str()),
            Some("BABCP")
        );
        assert!(rule_for(&rules, Some("counsellor")).is_none());
    }
}
