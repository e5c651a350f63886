//! Live assessments of practice as stored and shown, what a supervisor sends, the list of
//! interventions and the rules (data per body and role).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::schema::{live_assessment_interventions, live_assessment_rules, live_assessments};

/// The tool a live assessment is rated on when the supervisor names none.
pub const DEFAULT_TOOL: &str = "PWP intervention skills assessment mark sheet";

crate::db_enum! {
    /// What the supervisor found.
    pub enum LiveOutcome("live assessment outcome") {
        MeetsStandard => "meets_standard",
        NotYet => "not_yet",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = live_assessments)]
pub struct LiveAssessment {
    pub id: String,
    pub practitioner_id: String,
    /// The supervisor who assessed (the caller who recorded it).
    pub assessor_id: String,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: NaiveDate,
    /// A code from `GET /live-assessment-interventions`.
    pub intervention: Option<String>,
    /// Null when no assessment was possible (`not_possible_reason` says why).
    pub outcome: Option<LiveOutcome>,
    pub tool: String,
    pub notes: Option<String>,
    pub not_possible_reason: Option<String>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// A live assessment as a supervisor records it: an outcome on an intervention, or, when no
/// assessment was possible, the reason instead.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLiveAssessment {
    #[schema(value_type = String, format = Date)]
    pub assessed_on: NaiveDate,
    /// A code from `GET /live-assessment-interventions`; required with an outcome.
    pub intervention: Option<String>,
    pub outcome: Option<LiveOutcome>,
    /// Default: the PWP intervention skills assessment mark sheet.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub tool: Option<String>,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// Instead of an outcome: why no assessment was possible.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub not_possible_reason: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = live_assessment_interventions)]
pub struct Intervention {
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub position: i32,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Interventions {
    pub items: Vec<Intervention>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntervention {
    /// Lower-case letters, digits and underscores.
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// How many live assessments a body asks of a role, on how many different interventions, in
/// how many days.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = live_assessment_rules)]
pub struct LiveRuleRow {
    pub id: String,
    #[serde(rename = "body")]
    pub body_code: String,
    pub practitioner_role: String,
    pub min_assessments: i32,
    pub min_interventions: i32,
    pub window_days: i32,
    pub source: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LiveRules {
    pub items: Vec<LiveRuleRow>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveRulePatch {
    #[validate(range(min = 1, max = 52, message = "must be 1 to 52"))]
    #[schema(minimum = 1, maximum = 52)]
    pub min_assessments: Option<i32>,
    #[validate(range(min = 1, max = 52, message = "must be 1 to 52"))]
    #[schema(minimum = 1, maximum = 52)]
    pub min_interventions: Option<i32>,
    #[validate(range(min = 7, max = 1096, message = "must be 7 to 1096 days"))]
    #[schema(minimum = 7, maximum = 1096)]
    pub window_days: Option<i32>,
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub source: Option<String>,
}
