//! Accreditation rules as plain functions of dates and records, with "today" passed in.

use chrono::{Duration, Months, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::FieldError;

/// Days before an end date from which a course or credential is `expiring`.
pub const EXPIRING_DAYS: i64 = 90;

crate::db_enum! {
    pub enum CourseStatus("course status") {
        Accredited => "accredited",
        Expiring => "expiring",
        Lapsed => "lapsed",
    }
}

pub fn course_status(accredited_until: NaiveDate, today: NaiveDate) -> CourseStatus {
    if accredited_until < today {
        CourseStatus::Lapsed
    } else if accredited_until <= today + Duration::days(EXPIRING_DAYS) {
        CourseStatus::Expiring
    } else {
        CourseStatus::Accredited
    }
}

crate::db_enum! {
    pub enum CredentialStatus("credential status") {
        PendingVerification => "pending_verification",
        Active => "active",
        Expiring => "expiring",
        Expired => "expired",
        /// Renewed by annual declaration, and no declaration by the end of the grace period.
        Lapsed => "lapsed",
    }
}

/// Unverified credentials are `pending_verification` whatever their dates: these registers have
/// no API, so nothing is assumed until someone has checked.
pub fn credential_status(
    verified: bool,
    expires_on: NaiveDate,
    today: NaiveDate,
) -> CredentialStatus {
    if !verified {
        CredentialStatus::PendingVerification
    } else if expires_on < today {
        CredentialStatus::Expired
    } else if expires_on <= today + Duration::days(EXPIRING_DAYS) {
        CredentialStatus::Expiring
    } else {
        CredentialStatus::Active
    }
}

/// The status of a verified credential renewed by annual declaration: `lapsed` after the grace
/// period, `expiring` from 90 days before the declaration date (and through the grace period),
/// else `active`.
pub fn declared_status(
    verified: bool,
    next_declaration_on: NaiveDate,
    lapsed: bool,
    today: NaiveDate,
) -> CredentialStatus {
    if !verified {
        CredentialStatus::PendingVerification
    } else if lapsed {
        CredentialStatus::Lapsed
    } else if next_declaration_on <= today + Duration::days(EXPIRING_DAYS) {
        CredentialStatus::Expiring
    } else {
        CredentialStatus::Active
    }
}

crate::db_enum! {
    pub enum TrainingStatus("training status") {
        Enrolled => "enrolled",
        InProgress => "in_progress",
        Completed => "completed",
        Withdrawn => "withdrawn",
    }
}

/// Changes move forward only: enrolled -> in_progress -> completed, or to withdrawn from either
/// of the first two. Completed and withdrawn records are final.
pub fn can_move(from: TrainingStatus, to: TrainingStatus) -> bool {
    use TrainingStatus::*;
    from == to
        || matches!(
            (from, to),
            (Enrolled, InProgress | Completed | Withdrawn) | (InProgress, Completed | Withdrawn)
        )
}

/// The dates a training state needs: `completed_on` for a completion (not before `started_on`,
/// not in the future), `started_on` once in progress, and no completion date otherwise.
pub fn check_training_dates(
    status: TrainingStatus,
    started_on: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match (status, completed_on) {
        (TrainingStatus::Completed, None) => errors.push(FieldError::new(
            "completed_on",
            "is required for a completed course",
        )),
        (TrainingStatus::Completed, Some(done)) => {
            if started_on.is_some_and(|s| done < s) {
                errors.push(FieldError::new(
                    "completed_on",
                    "cannot be before started_on",
                ));
            }
            if done > today {
                errors.push(FieldError::new("completed_on", "cannot be in the future"));
            }
        }
        (_, Some(_)) => errors.push(FieldError::new(
            "completed_on",
            "applies to completed courses only",
        )),
        _ => {}
    }
    if status == TrainingStatus::InProgress && started_on.is_none() {
        errors.push(FieldError::new(
            "started_on",
            "is required once a course is in progress",
        ));
    }
    errors
}

/// What a body asks of CPD over the months before a renewal.
#[derive(Debug, Clone, PartialEq)]
pub struct CpdRule {
    pub min_activities: i32,
    pub reflection_required: bool,
    pub min_cbt_related: i32,
    pub min_cbt_hours: f64,
    pub period_months: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CpdFact {
    pub held_on: NaiveDate,
    pub hours: f64,
    pub cbt_related: bool,
    pub has_reflection: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CpdCheck {
    pub met: bool,
    /// What is still missing, in words.
    pub missing: Vec<String>,
    /// The 12 months (or the rule's period) counted: after `from`, up to `until`.
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub until: NaiveDate,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} more {}", if n == 1 { one } else { many })
}

/// Checks the activities held in the rule's period before `renewal` (so far).
pub fn cpd_check(rule: &CpdRule, activities: &[CpdFact], renewal: NaiveDate) -> CpdCheck {
    let from = renewal
        .checked_sub_months(Months::new(rule.period_months.max(0) as u32))
        .unwrap_or(renewal);
    let counted: Vec<&CpdFact> = activities
        .iter()
        .filter(|a| a.held_on > from && a.held_on <= renewal)
        .filter(|a| !rule.reflection_required || a.has_reflection)
        .collect();
    let mut missing = Vec::new();
    let n = counted.len() as i64;
    if n < i64::from(rule.min_activities) {
        let what = if rule.reflection_required {
            (
                "activity with a reflective statement",
                "activities with reflective statements",
            )
        } else {
            ("activity", "activities")
        };
        missing.push(plural(i64::from(rule.min_activities) - n, what.0, what.1));
    }
    let cbt = counted.iter().filter(|a| a.cbt_related).count() as i64;
    if cbt < i64::from(rule.min_cbt_related) {
        missing.push(plural(
            i64::from(rule.min_cbt_related) - cbt,
            "CBT-related activity",
            "CBT-related activities",
        ));
    }
    let hours: f64 = counted
        .iter()
        .filter(|a| a.cbt_related)
        .map(|a| a.hours)
        .sum();
    if hours + 1e-9 < rule.min_cbt_hours {
        let short = ((rule.min_cbt_hours - hours) * 100.0).round() / 100.0;
        missing.push(format!("{short} more hours of CBT skills"));
    }
    CpdCheck {
        met: missing.is_empty(),
        missing,
        from,
        until: renewal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn statuses_follow_the_dates() {
        let today = d("2026-03-15");
        assert_eq!(course_status(d("2026-03-14"), today), CourseStatus::Lapsed);
        assert_eq!(
            course_status(d("2026-03-15"), today),
            CourseStatus::Expiring
        );
        assert_eq!(
            course_status(d("2026-06-13"), today),
            CourseStatus::Expiring
        );
        assert_eq!(
            course_status(d("2026-06-14"), today),
            CourseStatus::Accredited
        );
        assert_eq!(
            credential_status(false, d("2020-01-01"), today),
            CredentialStatus::PendingVerification
        );
        assert_eq!(
            credential_status(true, d("2026-03-25"), today),
            CredentialStatus::Expiring
        );
        assert_eq!(
            credential_status(true, d("2026-03-01"), today),
            CredentialStatus::Expired
        );
        assert_eq!(
            credential_status(true, d("2027-03-01"), today),
            CredentialStatus::Active
        );
    }

    #[test]
    fn training_moves_forward_only() {
        use TrainingStatus::*;
        assert!(
            can_move(Enrolled, InProgress)
                && can_move(InProgress, Completed)
                && can_move(Enrolled, Withdrawn)
        );
        assert!(
            !can_move(Completed, InProgress)
                && !can_move(Withdrawn, Enrolled)
                && !can_move(InProgress, Enrolled)
        );
        assert!(!can_move(Completed, Withdrawn));
        let today = d("2026-03-15");
        assert!(check_training_dates(
            Completed,
            Some(d("2025-01-01")),
            Some(d("2025-06-01")),
            today
        )
        .is_empty());
        assert_eq!(
            check_training_dates(Completed, None, None, today)[0].field,
            "completed_on"
        );
        assert_eq!(
            check_training_dates(
                Completed,
                Some(d("2025-06-02")),
                Some(d("2025-06-01")),
                today
            )[0]
            .field,
            "completed_on"
        );
        assert_eq!(
            check_training_dates(Enrolled, None, Some(d("2025-06-01")), today)[0].field,
            "completed_on"
        );
        assert_eq!(
            check_training_dates(InProgress, None, None, today)[0].field,
            "started_on"
        );
    }

    #[test]
    fn cpd_is_counted_over_the_period_before_renewal() {
        let babcp = CpdRule {
            min_activities: 5,
            reflection_required: true,
            min_cbt_related: 0,
            min_cbt_hours: 6.0,
            period_months: 12,
        };
        let a = |held_on: &str, hours: f64, cbt: bool, refl: bool| CpdFact {
            held_on: d(held_on),
            hours,
            cbt_related: cbt,
            has_reflection: refl,
        };
        let renewal = d("2026-09-30");
        let mut acts = vec![
            a("2026-01-10", 3.0, true, true),
            a("2026-02-10", 2.0, true, true),
            a("2025-09-30", 9.0, true, true),
        ];
        let c = cpd_check(&babcp, &acts, renewal);
        assert!(!c.met);
        assert_eq!(
            c.missing,
            vec![
                "3 more activities with reflective statements",
                "1 more hours of CBT skills"
            ]
        );
        acts.extend([
            a("2026-03-01", 1.0, true, true),
            a("2026-04-01", 1.0, false, true),
            a("2026-05-01", 1.0, false, false),
            a("2026-06-01", 1.0, false, true),
        ]);
        let c = cpd_check(&babcp, &acts, renewal);
        assert!(c.met, "{:?}", c.missing);
        let bps = CpdRule {
            min_activities: 5,
            reflection_required: true,
            min_cbt_related: 3,
            min_cbt_hours: 0.0,
            period_months: 12,
        };
        let c = cpd_check(&bps, &acts, renewal);
        assert!(
            c.met,
            "3 CBT-related of 5 with reflections: {:?}",
            c.missing
        );
        acts.retain(|x| x.held_on != d("2026-03-01"));
        acts.push(a("2026-07-01", 1.0, false, true));
        let c = cpd_check(&bps, &acts, renewal);
        assert_eq!(c.missing, vec!["1 more CBT-related activity"]);
    }
}
