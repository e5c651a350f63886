//! Bodies' random audits as stored and shown, what callers send, and each body's audit rule.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::Missing;
use crate::db::schema::{body_audit_rules, body_audits};

crate::db_enum! {
    /// Where a body's audit stands.
    pub enum AuditStatus("audit status") {
        Open => "open",
        Submitted => "submitted",
        Closed => "closed",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = body_audits, treat_none_as_null = true)]
pub struct BodyAuditRow {
    pub id: String,
    pub practitioner_id: String,
    pub body_code: String,
    pub requested_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: AuditStatus,
    pub submitted_on: Option<NaiveDate>,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An audit as the API shows it: the record, how long is left, the period it covers, where
/// its evidence pack is, and what the body asks for that the records lack.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BodyAudit {
    pub id: String,
    pub practitioner_id: String,
    pub full_name: String,
    pub body: String,
    #[schema(value_type = String, format = Date)]
    pub requested_on: NaiveDate,
    /// `requested_on` plus the body's response window.
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    /// Days from today to `due_on` (negative once past).
    pub days_left: i64,
    pub status: AuditStatus,
    #[schema(value_type = Option<String>, format = Date)]
    pub submitted_on: Option<NaiveDate>,
    /// The first day of the period the body asks about.
    #[schema(value_type = String, format = Date)]
    pub period_from: NaiveDate,
    /// The evidence pack for the body and its period.
    pub evidence_pack: String,
    /// What the body asks for that the records lack.
    pub missing: Vec<Missing>,
    pub recorded_by: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBodyAudit {
    /// The body that selected the person: one they hold a credential with.
    pub body: String,
    /// The day the body's request arrived.
    #[schema(value_type = String, format = Date)]
    pub requested_on: NaiveDate,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPatch {
    /// `submitted` (from open) or `closed` (from open or submitted); a closed audit is final.
    pub status: AuditStatus,
    /// With `submitted`: the day it was sent (default today).
    #[schema(value_type = Option<String>, format = Date)]
    pub submitted_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `open`, `submitted` or `closed`.
    pub status: Option<String>,
    /// Admins: one service.
    pub service_id: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = body_audit_rules)]
pub struct AuditRule {
    #[serde(rename = "body")]
    pub body_code: String,
    /// Days the body gives to respond.
    pub response_days: i32,
    /// Months before the request the audit covers.
    pub period_months: i32,
    /// Days before `due_on` on which reminders go out, comma-separated.
    pub reminder_offsets: String,
    pub source: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRules {
    pub items: Vec<AuditRule>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditRuleInput {
    #[validate(range(min = 1, max = 366, message = "must be 1 to 366 days"))]
    #[schema(minimum = 1, maximum = 366)]
    pub response_days: i32,
    #[validate(range(min = 1, max = 60, message = "must be 1 to 60 months"))]
    #[schema(minimum = 1, maximum = 60)]
    pub period_months: i32,
    #[validate(length(max = 10, message = "at most 10 offsets"))]
    #[schema(max_items = 10)]
    pub reminder_offsets: Vec<u16>,
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub source: String,
}
