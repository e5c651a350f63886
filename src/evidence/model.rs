//! The evidence pack's sections, and the rows its queries read.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::MonthTotal;
use crate::accreditation::cpd::CpdActivity;
use crate::accreditation::credentials::Accreditation;
use crate::accreditation::rules::CpdCheck;
use crate::competences::rules::EvidenceMethod;
use crate::supervision::rules::{Format as LogFormat, SupervisionType};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackQuery {
    /// The accrediting body whose audit the pack is for (default: the body of the person's
    /// modality).
    pub body: Option<String>,
    /// How many months back from today, 1 to 60 (default 12, what BABCP and BACP ask for).
    pub months: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PackPerson {
    pub id: String,
    pub full_name: String,
    pub email: String,
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub practitioner_role: Option<String>,
    pub modality: Option<String>,
    pub stage: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PackBody {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub id: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
    pub supervision_type: SupervisionType,
    /// `individual` or `group`.
    pub format: LogFormat,
    pub group_size: Option<i32>,
    pub cases_discussed: Option<i32>,
    pub supervisor_id: String,
    pub supervisor_name: String,
    /// When the supervisor countersigned it.
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub signed_off_at: Option<NaiveDateTime>,
}

/// A supervisor of the period's sessions, with the contact details and registration a body's
/// audit asks for (BACP asks for supervisors' contact details; BABCP for their accreditation).
#[derive(Debug, Serialize, ToSchema)]
pub struct PackSupervisor {
    pub id: String,
    pub full_name: String,
    pub email: String,
    /// A supervisor from outside the service.
    pub external: bool,
    /// For one from outside the service: the body they are registered with, and the number.
    pub body: Option<String>,
    pub registration_number: Option<String>,
    /// For one from outside the service: whether the registration was checked with the body.
    pub registration_verified: Option<bool>,
    pub sessions: i64,
    pub minutes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionSection {
    /// Signed-off sessions only, oldest first.
    pub sessions: Vec<Session>,
    /// Every month of the period, including those with none (a break an auditor will ask about).
    pub monthly: Vec<MonthTotal>,
    pub total_sessions: i64,
    pub total_minutes: i64,
    pub total_hours: f64,
    /// Months with no signed-off supervision.
    pub months_without_supervision: Vec<String>,
    /// Sessions in the period still waiting for the supervisor's countersignature.
    pub awaiting_sign_off: i64,
    /// Who supervised the signed-off sessions, by name.
    pub supervisors: Vec<PackSupervisor>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CpdRuleView {
    pub min_activities: i32,
    pub reflection_required: bool,
    pub min_cbt_related: i32,
    pub min_cbt_hours: f64,
    pub period_months: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CpdSection {
    /// Oldest first.
    pub activities: Vec<CpdActivity>,
    pub total_hours: f64,
    /// The body's rule (null when it has none).
    pub rule: Option<CpdRuleView>,
    /// The rule checked over its own period, ending on the pack's last day.
    pub check: Option<CpdCheck>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignOff {
    pub competency_id: String,
    pub code: String,
    pub title: String,
    pub domain: String,
    pub outcome: crate::competences::rules::Outcome,
    pub evidence: String,
    pub evidence_method: EvidenceMethod,
    pub assessed_by: String,
    pub assessed_by_name: String,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Credential {
    #[serde(flatten)]
    pub accreditation: Accreditation,
    pub verified_by_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidencePack {
    pub practitioner: PackPerson,
    pub body: PackBody,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    pub months: u32,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: NaiveDateTime,
    pub supervision: SupervisionSection,
    pub cpd: CpdSection,
    /// Sign-offs made in the period, oldest first.
    pub competences: Vec<SignOff>,
    /// Every period of the person's credentials with the body.
    pub credentials: Vec<Credential>,
    /// Live assessments of practice in the period, oldest first (live sampling, as BABCP asks
    /// the logs to show it).
    pub live_assessments: Vec<PackLiveAssessment>,
}

/// A live assessment of practice in the pack.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PackLiveAssessment {
    #[serde(flatten)]
    pub assessment: crate::live_assessments::LiveAssessment,
    pub assessor_name: String,
}

/// id, name, email, service id and name, role, stage, modality, the modality's body.
pub type PersonFacts = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub type SessionRow = (
    String,
    NaiveDate,
    i32,
    SupervisionType,
    LogFormat,
    Option<i32>,
    Option<i32>,
    String,
    Option<NaiveDateTime>,
);

pub type SignOffRow = (
    String,
    String,
    String,
    String,
    crate::competences::rules::Outcome,
    String,
    EvidenceMethod,
    String,
    NaiveDate,
    Option<NaiveDate>,
);
