//! Supervision compliance as plain functions of a policy rule, the person and their logs, with
//! "today" passed in. No database, no HTTP: unit tests reach every case.
//!
//! Definitions (shared with the hand-computed vectors in `tests/vectors/`):
//! - a log counts for a rule when its type matches, it is not rejected, and its format is one the
//!   rule allows; a group session then counts as the rule's `group_counting` says
//!   (`counted_minutes`): `full` (all its minutes, any size); `up_to_size` (all its minutes up
//!   to the rule's largest group, none above); `individual_equivalent` (BABCP training:
//!   minutes / supervisees x 2, at most the minutes held, none above the largest group);
//!   `bacp_accreditation` (half the minutes in groups of 4 or fewer, minutes / group size in
//!   groups of 5 or more). Fractions of a minute are dropped per session. A group with no size
//!   counts only under `full` (or `up_to_size` with no largest group);
//! - `held_minutes` are the minutes of the type's sessions in the window that are not rejected,
//!   whatever their format; `achieved_minutes` are the minutes that count;
//! - the window ending on day `d` holds the logs with `d - window_days < held_on <= d`;
//! - required minutes = full-time minutes x max(WTE, 0.5), rounded to the nearest minute;
//! - `next_due_on` is the first day on which, with no new sessions, the window would hold too
//!   little; `overdue` when the window ending today holds too little; `due_soon` when it holds
//!   enough today but not on today + 2, or when a person in post for less than one window has
//!   too little (a new starter is never overdue); else `compliant`.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::auth::policy::Role;
use utoipa::ToSchema;

/// Days ahead that make a person `due_soon`.
pub const DUE_SOON_DAYS: i64 = 2;

crate::db_enum! {
    pub enum SupervisionType("supervision type") {
        CaseManagement => "case_management",
        ClinicalSkills => "clinical_skills",
        Clinical => "clinical",
        SupervisionOfSupervision => "supervision_of_supervision",
    }
}

impl SupervisionType {
    /// The type in words, for people.
    pub fn words(self) -> &'static str {
        match self {
            SupervisionType::CaseManagement => "Case management",
            SupervisionType::ClinicalSkills => "Clinical skills",
            SupervisionType::Clinical => "Clinical",
            SupervisionType::SupervisionOfSupervision => "Supervision of supervision",
        }
    }
}

crate::db_enum! {
    pub enum Format("supervision format") {
        Individual => "individual",
        Group => "group",
    }
}

crate::db_enum! {
    pub enum LogStatus("supervision log status") {
        Submitted => "submitted",
        SignedOff => "signed_off",
        Rejected => "rejected",
    }
}

/// The formats a policy rule allows, stored as `individual,group`.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, ToSchema, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(transparent)]
pub struct Formats(pub Vec<Format>);

impl crate::db::types::TextColumn for Formats {
    const WHAT: &'static str = "list of supervision formats";
    fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
    fn from_text(s: &str) -> Option<Self> {
        s.split(',')
            .map(|f| Format::parse(f.trim()))
            .collect::<Option<Vec<_>>>()
            .filter(|v| !v.is_empty())
            .map(Formats)
    }
}
crate::text_column!(Formats);

crate::db_enum! {
    pub enum ComplianceStatus("compliance status") {
        Compliant => "compliant",
        DueSoon => "due_soon",
        Overdue => "overdue",
        /// Would be overdue, but today is inside a leave of absence.
        OnLeave => "on_leave",
    }
}

crate::db_enum! {
    /// How a rule counts the time of a group session.
    pub enum GroupCounting("group counting rule") {
        Full => "full",
        UpToSize => "up_to_size",
        IndividualEquivalent => "individual_equivalent",
        BacpAccreditation => "bacp_accreditation",
    }
}

impl Default for GroupCounting {
    /// The rule before group counting was data: in full, up to the largest group.
    fn default() -> Self {
        GroupCounting::UpToSize
    }
}

/// The policy role naming supervisors' own supervision, whatever their practitioner role.
pub const SUPERVISORS_OWN: &str = Role::Supervisor.as_str();

/// What a rule needs to know of one policy row.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub supervision_type: SupervisionType,
    pub min_minutes: i32,
    pub window_days: i32,
    pub formats: Vec<Format>,
    /// The largest group whose time counts; `None`: any size.
    pub max_group_size: Option<i32>,
    pub group_counting: GroupCounting,
}

/// What a rule needs to know of one log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogFact {
    pub held_on: NaiveDate,
    pub minutes: i32,
    pub supervision_type: SupervisionType,
    pub format: Format,
    pub group_size: Option<i32>,
    pub status: LogStatus,
}

/// One rule's verdict for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Compliance {
    pub required_minutes: i32,
    /// Minutes of this type held in the window (not rejected), before the rule counts them.
    pub held_minutes: i32,
    pub achieved_minutes: i32,
    pub unsigned_minutes: i32,
    pub last_held_on: Option<NaiveDate>,
    pub next_due_on: NaiveDate,
    pub status: ComplianceStatus,
    /// Minutes in the window of group sessions of this type with no group size, where the rule
    /// caps the size: they count once the size is given.
    pub sizeless_minutes: i32,
}

pub fn required_minutes(full_time_minutes: i32, wte: f64) -> i32 {
    (f64::from(full_time_minutes) * wte.clamp(0.5, 1.0)).round() as i32
}

/// Whether a log is of the rule's kind at all: its type, not rejected, a format the rule allows.
fn of_kind(rule: &Rule, log: &LogFact) -> bool {
    log.supervision_type == rule.supervision_type
        && log.status != LogStatus::Rejected
        && rule.formats.contains(&log.format)
}

/// The minutes of a log that count for the rule (0 when it does not count): see the module's
/// definitions.
pub fn counted_minutes(rule: &Rule, log: &LogFact) -> i32 {
    if !of_kind(rule, log) {
        return 0;
    }
    if log.format != Format::Group {
        return log.minutes;
    }
    let within = |n: i32| rule.max_group_size.is_none_or(|max| n <= max);
    match (rule.group_counting, log.group_size) {
        (GroupCounting::Full, _) => log.minutes,
        (GroupCounting::UpToSize, None) if rule.max_group_size.is_none() => log.minutes,
        (_, None) => 0,
        (GroupCounting::UpToSize, Some(n)) => {
            if within(n) {
                log.minutes
            } else {
                0
            }
        }
        (GroupCounting::IndividualEquivalent, Some(n)) => {
            if within(n) && n > 0 {
                (log.minutes * 2 / n).min(log.minutes)
            } else {
                0
            }
        }
        (GroupCounting::BacpAccreditation, Some(n)) => {
            if !within(n) || n <= 0 {
                0
            } else if n <= 4 {
                log.minutes / 2
            } else {
                log.minutes / n
            }
        }
    }
}

/// Whether a log counts for the rule at all.
pub fn counts(rule: &Rule, log: &LogFact) -> bool {
    counted_minutes(rule, log) > 0
}

/// Whether the rule waits for a group's size before counting it.
fn needs_size(rule: &Rule) -> bool {
    match rule.group_counting {
        GroupCounting::Full => false,
        GroupCounting::UpToSize => rule.max_group_size.is_some(),
        GroupCounting::IndividualEquivalent | GroupCounting::BacpAccreditation => true,
    }
}

/// Evaluates one rule for a person of `wte` in post since `started_on`, on `today`.
pub fn evaluate(
    rule: &Rule,
    wte: f64,
    started_on: Option<NaiveDate>,
    logs: &[LogFact],
    today: NaiveDate,
) -> Compliance {
    let window = Duration::days(i64::from(rule.window_days));
    let required = required_minutes(rule.min_minutes, wte);
    let mut eligible: Vec<&LogFact> = logs
        .iter()
        .filter(|l| counts(rule, l) && l.held_on <= today)
        .collect();
    eligible.sort_by_key(|l| std::cmp::Reverse(l.held_on));
    let last_held_on = eligible.first().map(|l| l.held_on);
    let in_window: Vec<&LogFact> = eligible
        .iter()
        .copied()
        .filter(|l| l.held_on > today - window)
        .collect();
    let achieved: i32 = in_window.iter().map(|l| counted_minutes(rule, l)).sum();
    let unsigned: i32 = in_window
        .iter()
        .filter(|l| l.status == LogStatus::Submitted)
        .map(|l| counted_minutes(rule, l))
        .sum();
    let held: i32 = logs
        .iter()
        .filter(|l| {
            l.supervision_type == rule.supervision_type
                && l.status != LogStatus::Rejected
                && l.held_on <= today
                && l.held_on > today - window
        })
        .map(|l| l.minutes)
        .sum();
    let new_starter = started_on.is_some_and(|s| today - s < window);
    let sizeless_minutes: i32 = logs
        .iter()
        .filter(|l| {
            l.supervision_type == rule.supervision_type
                && l.status != LogStatus::Rejected
                && l.format == Format::Group
                && l.group_size.is_none()
                && needs_size(rule)
                && rule.formats.contains(&Format::Group)
                && l.held_on <= today
                && l.held_on > today - window
        })
        .map(|l| l.minutes)
        .sum();

    let (status, next_due_on) = if achieved >= required {
        // Newest first: the window holds enough until the log that completes the requirement
        // ages out of it.
        let mut total = 0;
        let mut completing = today;
        for l in &in_window {
            total += counted_minutes(rule, l);
            if total >= required {
                completing = l.held_on;
                break;
            }
        }
        let next = if required <= 0 {
            today + window
        } else {
            completing + window
        };
        let status = if next <= today + Duration::days(DUE_SOON_DAYS) {
            ComplianceStatus::DueSoon
        } else {
            ComplianceStatus::Compliant
        };
        (status, next)
    } else if new_starter {
        let grace_ends = started_on.map(|s| s + window).unwrap_or(today);
        (ComplianceStatus::DueSoon, grace_ends.max(today))
    } else {
        (ComplianceStatus::Overdue, today)
    };
    Compliance {
        required_minutes: required,
        held_minutes: held,
        achieved_minutes: achieved,
        unsigned_minutes: unsigned,
        last_held_on,
        next_due_on,
        status,
        sizeless_minutes,
    }
}

/// What a log's supervisee should know before it is signed off: where none of the rules that
/// apply to them will count it (the type, the format, a group over the size limit), or where a
/// group's size must be given first. The log is kept either way: the record is true.
pub fn log_warnings(
    rules: &[Rule],
    supervision_type: SupervisionType,
    format: Format,
    group_size: Option<i32>,
) -> Vec<(&'static str, String)> {
    let kind = supervision_type.as_str().replace('_', " ");
    let of_type: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.supervision_type == supervision_type)
        .collect();
    if of_type.is_empty() {
        return vec![(
            "supervision_type",
            format!("no supervision rule for this supervisee asks for {kind} supervision, so this session will not count towards their compliance"),
        )];
    }
    let with_format: Vec<&&Rule> = of_type
        .iter()
        .filter(|r| r.formats.contains(&format))
        .collect();
    if with_format.is_empty() {
        return vec![(
            "format",
            format!("{kind} supervision counts only as {} for this supervisee, so this {} session will not count",
                of_type[0].formats.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(" or "),
                format.as_str()),
        )];
    }
    if format != Format::Group {
        return Vec::new();
    }
    let sized: Vec<&&&Rule> = with_format.iter().filter(|r| needs_size(r)).collect();
    if sized.is_empty() {
        return Vec::new();
    }
    let cap = sized
        .iter()
        .map(|r| r.max_group_size)
        .try_fold(0, |acc, m| m.map(|m| acc.max(m)));
    match (group_size, cap) {
        (None, Some(cap)) => vec![(
            "group_size",
            format!("give the group's size: groups of up to {cap} count, and this session counts only once its size is known"),
        )],
        (None, None) => vec![(
            "group_size",
            "give the group's size: how much of a group session counts depends on it, and this session counts only once its size is known".to_string(),
        )],
        (Some(n), Some(cap)) if n > cap => vec![(
            "group_size",
            format!("groups of more than {cap} do not count for {kind} supervision, so this group of {n} will not count"),
        )],
        _ => Vec::new(),
    }
}

/// Whether a policy row applies to a person of this practitioner role and stage (or to a
/// supervisor, for rows of the `supervisor` role).
pub fn applies(
    rule_role: &str,
    rule_stage: Option<&str>,
    role: Option<&str>,
    stage: Option<&str>,
    is_supervisor: bool,
) -> bool {
    let role_matches = if rule_role == SUPERVISORS_OWN {
        is_supervisor
    } else {
        role == Some(rule_role)
    };
    role_matches && rule_stage.is_none_or(|s| stage == Some(s))
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
