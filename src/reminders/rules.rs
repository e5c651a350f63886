//! Lapse rules as plain functions of dates, with "today" passed in: which stage a credential is
//! at, when an overdue spell began, how long to wait before retrying a delivery, and how a
//! digest is titled.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::supervision::rules::{counts, required_minutes, LogFact, Rule};

// The days after or before which reminders go out are data: `crate::thresholds`.

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    SupervisionOverdue,
    SupervisionEscalated,
    CredentialExpired,
    CredentialExpiring,
    SupervisionDueSoon,
    SignOffWaiting,
    CompetenceReview,
    CpdUnmet,
    CourseExpiring,
    RequiredCourse,
    RequiredCourseSummary,
    LiveAssessmentDueSoon,
    LiveAssessmentOverdue,
    LiveAssessmentEscalated,
    BodyAuditDue,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::SupervisionOverdue,
        Kind::SupervisionEscalated,
        Kind::CredentialExpired,
        Kind::CredentialExpiring,
        Kind::SupervisionDueSoon,
        Kind::SignOffWaiting,
        Kind::CompetenceReview,
        Kind::CpdUnmet,
        Kind::CourseExpiring,
        Kind::RequiredCourse,
        Kind::RequiredCourseSummary,
        Kind::LiveAssessmentDueSoon,
        Kind::LiveAssessmentOverdue,
        Kind::LiveAssessmentEscalated,
        Kind::BodyAuditDue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SupervisionOverdue => "supervision_overdue",
            Kind::SupervisionEscalated => "supervision_escalated",
            Kind::CredentialExpired => "credential_expired",
            Kind::CredentialExpiring => "credential_expiring",
            Kind::SupervisionDueSoon => "supervision_due_soon",
            Kind::SignOffWaiting => "sign_off_waiting",
            Kind::CompetenceReview => "competence_review",
            Kind::CpdUnmet => "cpd_unmet",
            Kind::CourseExpiring => "course_expiring",
            Kind::RequiredCourse => "required_course",
            Kind::RequiredCourseSummary => "required_course_summary",
            Kind::LiveAssessmentDueSoon => "live_assessment_due_soon",
            Kind::LiveAssessmentOverdue => "live_assessment_overdue",
            Kind::LiveAssessmentEscalated => "live_assessment_escalated",
            Kind::BodyAuditDue => "body_audit_due",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The words of the link beside an item: `own` when the recipient is the person it is about.
    pub fn action(self, own: bool) -> &'static str {
        match (self, own) {
            (Kind::SupervisionOverdue | Kind::SupervisionDueSoon, true) => {
                "See your supervision record"
            }
            (
                Kind::SupervisionOverdue | Kind::SupervisionDueSoon | Kind::SupervisionEscalated,
                _,
            ) => "See their supervision record",
            (Kind::CredentialExpired | Kind::CredentialExpiring, true) => "See your accreditations",
            (Kind::CredentialExpired | Kind::CredentialExpiring, false) => {
                "See their accreditations"
            }
            (Kind::CpdUnmet, _) => "See your CPD",
            (Kind::SignOffWaiting, _) => "Review the log",
            (Kind::CompetenceReview, true) => "See your competences",
            (Kind::CompetenceReview, false) => "See their competences",
            (Kind::CourseExpiring | Kind::RequiredCourse, _) => "See the course",
            (Kind::RequiredCourseSummary, _) => "See who still needs each course",
            (Kind::LiveAssessmentDueSoon | Kind::LiveAssessmentOverdue, true) => {
                "See your live assessments"
            }
            (
                Kind::LiveAssessmentDueSoon
                | Kind::LiveAssessmentOverdue
                | Kind::LiveAssessmentEscalated,
                _,
            ) => "See their live assessments",
            (Kind::BodyAuditDue, true) => "See your audit",
            (Kind::BodyAuditDue, false) => "See their audit",
        }
    }

    /// Expiry and overdue reminders cannot be turned off.
    pub fn urgent(self) -> bool {
        matches!(
            self,
            Kind::SupervisionOverdue
                | Kind::SupervisionEscalated
                | Kind::CredentialExpired
                | Kind::CredentialExpiring
                | Kind::LiveAssessmentOverdue
                | Kind::LiveAssessmentEscalated
                | Kind::BodyAuditDue
        )
    }
}

/// One lapse to tell one person about; `key` names the lapse and its stage, so it is told once.
#[derive(Debug, Clone, PartialEq)]
pub struct Lapse {
    pub recipient_id: String,
    pub key: String,
    pub kind: Kind,
    pub subject_id: Option<String>,
    pub summary: String,
    pub due_on: Option<NaiveDate>,
    /// Where the item is dealt with: a path under the public URL (see `links`).
    pub link: String,
}

/// The key of the reminder that a log waits for its supervisor's sign-off.
pub fn sign_off_key(log: &str) -> String {
    format!("sign_off:{log}")
}

impl Lapse {
    /// The log a sign-off reminder is about.
    pub fn sign_off_log(&self) -> Option<&str> {
        match self.kind {
            Kind::SignOffWaiting => self.key.strip_prefix("sign_off:"),
            _ => None,
        }
    }
}

/// A credential's current reminder stage: `Some(None)` once expired, `Some(Some(offset))` for the
/// smallest offset it is within, `None` before the first.
pub fn credential_stage(
    expires_on: NaiveDate,
    offsets: &[i64],
    today: NaiveDate,
) -> Option<Option<i64>> {
    if expires_on < today {
        return Some(None);
    }
    let left = (expires_on - today).num_days();
    offsets
        .iter()
        .copied()
        .filter(|o| left <= *o)
        .min()
        .map(Some)
}

/// The first day of the current overdue spell: the day after the window last held enough
/// (never before a new starter's first window ends). The window's total only changes when a
/// session enters or leaves it, so the last good day is today − 1 or the last day some
/// session still counted.
pub fn overdue_since(
    rule: &Rule,
    wte: f64,
    started_on: Option<NaiveDate>,
    logs: &[LogFact],
    today: NaiveDate,
) -> NaiveDate {
    let window = Duration::days(i64::from(rule.window_days));
    let required = required_minutes(rule.min_minutes, wte);
    let eligible: Vec<&LogFact> = logs
        .iter()
        .filter(|l| counts(rule, l) && l.held_on < today)
        .collect();
    let held = |d: NaiveDate| -> i32 {
        eligible
            .iter()
            .filter(|l| l.held_on > d - window && l.held_on <= d)
            .map(|l| l.minutes)
            .sum()
    };
    let mut candidates: Vec<NaiveDate> = eligible
        .iter()
        .map(|l| (l.held_on + window - Duration::days(1)).min(today - Duration::days(1)))
        .collect();
    candidates.sort_unstable_by(|a, b| b.cmp(a));
    let last_good = candidates.into_iter().find(|d| held(*d) >= required);
    let grace_end = started_on.map(|s| s + window);
    match (last_good, grace_end) {
        (Some(d), Some(g)) => (d + Duration::days(1)).max(g),
        (Some(d), None) => d + Duration::days(1),
        (None, Some(g)) => g.min(today),
        (None, None) => today,
    }
}

/// The digest's subject names the most urgent item (urgent kinds first, then the earliest date).
pub fn digest_subject(lapses: &[&Lapse]) -> String {
    let mut sorted: Vec<&&Lapse> = lapses.iter().collect();
    sorted.sort_by_key(|l| (!l.kind.urgent(), l.kind, l.due_on));
    match (sorted.first(), lapses.len()) {
        (None, _) => "Registry reminders".into(),
        (Some(first), 1) => first.summary.clone(),
        (Some(first), n) => format!("{} (and {} more)", first.summary, n - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervision::rules::{Format, LogStatus, SupervisionType};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn only_the_current_credential_stage_counts() {
        let today = d("2026-03-15");
        let offsets = [60, 30, 7];
        assert_eq!(credential_stage(d("2026-06-30"), &offsets, today), None);
        assert_eq!(
            credential_stage(d("2026-05-10"), &offsets, today),
            Some(Some(60))
        );
        assert_eq!(
            credential_stage(d("2026-03-25"), &offsets, today),
            Some(Some(30))
        );
        assert_eq!(
            credential_stage(d("2026-03-20"), &offsets, today),
            Some(Some(7))
        );
        assert_eq!(
            credential_stage(d("2026-03-15"), &offsets, today),
            Some(Some(7))
        );
        assert_eq!(
            credential_stage(d("2026-03-14"), &offsets, today),
            Some(None)
        );
    }

    fn cm() -> Rule {
        Rule {
            supervision_type: SupervisionType::CaseManagement,
            min_minutes: 60,
            window_days: 7,
            formats: vec![Format::Individual],
            max_group_size: None,
            group_counting: crate::supervision::rules::GroupCounting::UpToSize,
        }
    }

    fn log(held_on: &str, minutes: i32) -> LogFact {
        LogFact {
            held_on: d(held_on),
            minutes,
            supervision_type: SupervisionType::CaseManagement,
            format: Format::Individual,
            group_size: None,
            status: LogStatus::SignedOff,
        }
    }

    #[test]
    fn an_overdue_spell_starts_the_day_after_the_window_last_held_enough() {
        let today = d("2026-03-15");
        // A session on 03-01 counts until 03-07: overdue since 03-08.
        assert_eq!(
            overdue_since(
                &cm(),
                1.0,
                Some(d("2025-01-01")),
                &[log("2026-03-01", 60)],
                today
            ),
            d("2026-03-08")
        );
        // A partial session since then does not end the spell.
        assert_eq!(
            overdue_since(
                &cm(),
                1.0,
                Some(d("2025-01-01")),
                &[log("2026-03-01", 60), log("2026-03-12", 20)],
                today
            ),
            d("2026-03-08")
        );
        // Two halves that met together.
        assert_eq!(
            overdue_since(
                &cm(),
                1.0,
                None,
                &[log("2026-03-02", 30), log("2026-03-04", 30)],
                today
            ),
            d("2026-03-09")
        );
        // Never supervised: since the end of the first window in post.
        assert_eq!(
            overdue_since(&cm(), 1.0, Some(d("2026-02-01")), &[], today),
            d("2026-02-08")
        );
    }

    #[test]
    fn the_subject_names_the_most_urgent_item() {
        let l = |kind, summary: &str, due: &str| Lapse {
            recipient_id: "r".into(),
            key: summary.into(),
            kind,
            subject_id: None,
            summary: summary.into(),
            due_on: Some(d(due)),
            link: "/".into(),
        };
        let a = l(
            Kind::SignOffWaiting,
            "A log waits for your sign-off",
            "2026-03-01",
        );
        let b = l(
            Kind::CredentialExpiring,
            "Your BABCP accreditation expires on 2026-03-25",
            "2026-03-25",
        );
        assert_eq!(
            digest_subject(&[&a, &b]),
            "Your BABCP accreditation expires on 2026-03-25 (and 1 more)"
        );
        assert_eq!(digest_subject(&[&a]), "A log waits for your sign-off");
        assert!(Kind::CredentialExpired.urgent() && !Kind::SupervisionDueSoon.urgent());
    }
}
