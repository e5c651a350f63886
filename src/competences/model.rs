//! Competence records and views: frameworks, competences, sign-offs, the eligibility matrix and
//! the competencies report's rows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{CompetenceState, EvidenceMethod, Outcome};
use crate::db::schema::{
    competencies, competency_assessments, competency_frameworks, framework_assessors,
};
use crate::http::report::CsvRecord;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = competencies, treat_none_as_null = true)]
pub struct Competence {
    pub id: String,
    pub framework_id: String,
    pub code: String,
    pub domain: String,
    pub title: String,
    pub description: String,
    /// For an application competence: the modality it applies supervision to.
    #[serde(rename = "modality")]
    pub modality_code: Option<String>,
    /// A competence in use is retired, never deleted.
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retired_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = competency_frameworks)]
pub struct FrameworkRow {
    pub id: String,
    pub code: String,
    pub title: String,
    pub description: String,
    pub source: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Domain {
    pub domain: String,
    pub competences: Vec<Competence>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Framework {
    #[serde(flatten)]
    pub framework: FrameworkRow,
    /// The competences grouped by domain, in the order the framework lists them.
    pub domains: Vec<Domain>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFramework {
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub source: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompetence {
    #[validate(length(min = 1, max = 32, message = "must be 1 to 32 characters"))]
    #[schema(min_length = 1, max_length = 32)]
    pub code: String,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub domain: String,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
    pub modality: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetencePatch {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// True retires the competence: it stays in every history, and is no longer assessed.
    pub retired: Option<bool>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedAssessor {
    pub user_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = competency_assessments)]
pub struct Assessment {
    pub id: String,
    pub practitioner_id: String,
    pub competency_id: String,
    pub outcome: Outcome,
    pub evidence: String,
    pub evidence_method: EvidenceMethod,
    pub assessed_by: String,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    pub competency_id: String,
    pub outcome: Outcome,
    /// What was seen, and where.
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub evidence: String,
    /// How it was observed; optional (`unspecified` when absent).
    pub evidence_method: Option<EvidenceMethod>,
    /// Default today; not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub assessed_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
}

/// One competence of a person: its current state and its whole history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonCompetence {
    pub competency_id: String,
    pub framework_id: String,
    pub code: String,
    pub domain: String,
    pub title: String,
    pub state: CompetenceState,
    /// The current (latest) sign-off's outcome, assessor and dates; null when not assessed.
    pub outcome: Option<Outcome>,
    pub assessed_by: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub assessed_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
    pub current: Option<Assessment>,
    pub history: Vec<Assessment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonCompetences {
    pub practitioner_id: String,
    pub items: Vec<PersonCompetence>,
    /// Always null: every competence is listed on one page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupervisorQuery {
    pub modality: Option<String>,
    pub service_id: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModalityEligibility {
    pub modality: String,
    pub eligible: bool,
    /// What the supervisor lacks for this modality.
    pub missing: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisorRow {
    pub supervisor_id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub modalities: Vec<ModalityEligibility>,
    /// An accredited supervisor's own requirements (supervision given, supervision of
    /// supervision received); empty for a supervisor without such a credential.
    pub requirements: Vec<crate::accreditation::duties::SupervisorDuties>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompetenceReportQuery {
    pub service_id: Option<String>,
    pub framework_id: Option<String>,
    /// `met`, `not_yet_met` or `review_overdue`.
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompetenceReportRow {
    pub practitioner_id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub competency_id: String,
    pub framework_id: String,
    pub code: String,
    pub title: String,
    pub state: CompetenceState,
    pub outcome: Outcome,
    pub assessed_by: String,
    pub assessed_by_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
}

/// A first assessor an admin named for a framework.
#[derive(Debug, Insertable)]
#[diesel(table_name = framework_assessors)]
pub struct AssessorRow {
    pub id: String,
    pub framework_id: String,
    pub user_id: String,
    pub named_by: String,
    pub created_at: NaiveDateTime,
}

impl CsvRecord for CompetenceReportRow {
    const FILE: &'static str = "competencies.csv";
    const HEADER: &'static [&'static str] = &[
        "practitioner_id",
        "full_name",
        "service_id",
        "service_name",
        "framework_id",
        "code",
        "title",
        "state",
        "outcome",
        "assessed_by",
        "assessed_by_name",
        "assessed_on",
        "review_due_on",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.practitioner_id.clone(),
            self.full_name.clone(),
            self.service_id.clone().unwrap_or_default(),
            self.service_name.clone().unwrap_or_default(),
            self.framework_id.clone(),
            self.code.clone(),
            self.title.clone(),
            self.state.as_str().to_string(),
            self.outcome.as_str().to_string(),
            self.assessed_by.clone(),
            self.assessed_by_name.clone().unwrap_or_default(),
            self.assessed_on.to_string(),
            self.review_due_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ]
    }
}
