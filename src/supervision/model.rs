//! Supervision records and views: logs, policy rows, who compliance is computed for, its
//! verdicts, and the inputs that log, change and list sessions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{ComplianceStatus, Format, Formats, LogStatus, Rule, SupervisionType};
use crate::db::schema::{supervision_logs, supervision_policy_rules, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = supervision_logs, treat_none_as_null = true)]
pub struct SupervisionLog {
    pub id: String,
    pub supervisee_id: String,
    pub supervisor_id: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
    pub supervision_type: SupervisionType,
    pub format: Format,
    pub group_size: Option<i32>,
    pub cases_discussed: Option<i32>,
    /// Free text. No patient-identifiable data belongs here.
    pub notes: Option<String>,
    pub status: LogStatus,
    pub rejection_reason: Option<String>,
    /// When the supervisor signed off or rejected it.
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_by: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, Clone)]
pub struct LogFilter {
    pub supervisee_id: Option<String>,
    pub supervisor_id: Option<String>,
    pub status: Option<LogStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One row of the policy, as stored and as the API shows it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = supervision_policy_rules)]
pub struct PolicyRow {
    pub id: String,
    pub practitioner_role: String,
    pub stage: Option<String>,
    pub supervision_type: SupervisionType,
    pub min_minutes: i32,
    pub window_days: i32,
    pub formats: Formats,
    pub max_group_size: Option<i32>,
    pub source: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `None`: the registry-wide rule; else that service's own.
    pub service_id: Option<String>,
    pub group_counting: super::rules::GroupCounting,
}

impl PolicyRow {
    pub fn formats(&self) -> Vec<Format> {
        self.formats.0.clone()
    }

    /// The rule this row states.
    pub fn rule(&self) -> Rule {
        Rule {
            supervision_type: self.supervision_type,
            min_minutes: self.min_minutes,
            window_days: self.window_days,
            formats: self.formats(),
            max_group_size: self.max_group_size,
            group_counting: self.group_counting,
        }
    }
}

/// Who compliance is computed for.
#[derive(Debug, Clone, Queryable)]
pub struct Subject {
    pub id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<String>,
    pub wte: Option<f64>,
    pub started_on: Option<NaiveDate>,
    pub roles: String,
}

pub type SubjectColumns = (
    users::id,
    users::full_name,
    users::service_id,
    users::practitioner_role,
    users::stage,
    users::wte,
    users::started_on,
    users::roles,
);

pub const SUBJECT_COLUMNS: SubjectColumns = (
    users::id,
    users::full_name,
    users::service_id,
    users::practitioner_role,
    users::stage,
    users::wte,
    users::started_on,
    users::roles,
);

/// One rule's verdict for one person, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplianceItem {
    pub supervision_type: SupervisionType,
    pub required_minutes: i32,
    /// Minutes of this type held in the window (not rejected), before the rule counts them.
    pub held_minutes: i32,
    /// Minutes that count towards the rule: group time as the rule's `group_counting` says.
    pub achieved_minutes: i32,
    pub group_counting: super::rules::GroupCounting,
    /// Minutes in the window still waiting for the supervisor's sign-off.
    pub unsigned_minutes: i32,
    pub window_days: i32,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_held_on: Option<NaiveDate>,
    #[schema(value_type = String, format = Date)]
    pub next_due_on: NaiveDate,
    pub status: ComplianceStatus,
    /// What stops logged time from counting (a group session without its size).
    pub warnings: Vec<crate::error::FieldError>,
}

/// A log as the API answers it: the record, and what the supervisee's policy says of it
/// (warnings do not stop a log; the supervisor sees them before signing off).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogView {
    #[serde(flatten)]
    pub log: SupervisionLog,
    pub supervisee_name: Option<String>,
    pub supervisor_name: Option<String>,
    pub warnings: Vec<crate::error::FieldError>,
}

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
    #[schema(minimum = 1, maximum = 480)]
    pub duration_minutes: i32,
    pub supervision_type: SupervisionType,
    pub format: Format,
    /// People in the group, the supervisee included: required for a group, absent otherwise.
    #[validate(range(min = 2, max = 100, message = "must be 2 to 100"))]
    #[schema(minimum = 2, maximum = 100)]
    pub group_size: Option<i32>,
    #[validate(range(min = 0, max = 500, message = "must be 0 to 500"))]
    #[schema(minimum = 0, maximum = 500)]
    pub cases_discussed: Option<i32>,
    /// Free text. Warning: no patient-identifiable data belongs here.
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[schema(max_length = 5000)]
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
    #[schema(minimum = 1, maximum = 480)]
    pub duration_minutes: Option<i32>,
    pub supervision_type: Option<SupervisionType>,
    pub format: Option<Format>,
    #[validate(range(min = 2, max = 100, message = "must be 2 to 100"))]
    #[schema(minimum = 2, maximum = 100)]
    pub group_size: Option<i32>,
    #[validate(range(min = 0, max = 500, message = "must be 0 to 500"))]
    #[schema(minimum = 0, maximum = 500)]
    pub cases_discussed: Option<i32>,
    /// Free text. Warning: no patient-identifiable data belongs here.
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkSignOff {
    #[validate(length(min = 1, max = 200, message = "must name 1 to 200 logs"))]
    #[schema(min_items = 1, max_items = 200)]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceReport {
    pub practitioner_id: String,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub items: Vec<ComplianceItem>,
    /// PWP live assessments of practice against the body's rule for the person's role; null
    /// where no rule covers the role.
    pub live_assessment: Option<super::live::LiveAssessmentCompliance>,
    /// Whether the person is on a leave of absence today: what would be overdue shows
    /// `on_leave`.
    pub on_leave: bool,
    /// For an accredited supervisor: supervision given and supervision of supervision
    /// received against their body's rule; empty for anyone else.
    pub supervisor_requirements: Vec<crate::accreditation::duties::SupervisorDuties>,
}
