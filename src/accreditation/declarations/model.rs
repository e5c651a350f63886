//! Declarations and leaves of absence as stored and shown, what callers send, and the renewal
//! a credential shows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::accreditation::credentials::VerificationMethod;
use crate::db::schema::{accreditation_declarations, leaves_of_absence};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = accreditation_declarations)]
pub struct Declaration {
    pub id: String,
    pub accreditation_id: String,
    #[schema(value_type = String, format = Date)]
    pub declared_on: NaiveDate,
    pub recorded_by: String,
    pub verified_by: Option<String>,
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<NaiveDateTime>,
    pub verification_method: Option<VerificationMethod>,
    pub verification_reference: Option<String>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// A declaration the practitioner made to their body. A training lead or admin who checked it
/// with the body says how; the practitioner's own record waits for that check.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeclaration {
    #[schema(value_type = String, format = Date)]
    pub declared_on: NaiveDate,
    /// A lead or admin who checked it with the body.
    pub verification_method: Option<VerificationMethod>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub verification_reference: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = leaves_of_absence)]
pub struct LeaveOfAbsence {
    pub id: String,
    pub accreditation_id: String,
    pub practitioner_id: String,
    #[serde(rename = "from")]
    #[schema(value_type = String, format = Date)]
    pub starts_on: NaiveDate,
    #[serde(rename = "to")]
    #[schema(value_type = String, format = Date)]
    pub ends_on: NaiveDate,
    pub reason: String,
    pub recorded_by: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl LeaveOfAbsence {
    pub fn leave(&self) -> crate::accreditation::renewal::Leave {
        crate::accreditation::renewal::Leave {
            from: self.starts_on,
            to: self.ends_on,
        }
    }
}

/// A leave of absence, both days included.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLeave {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Declarations {
    pub items: Vec<Declaration>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Leaves {
    pub items: Vec<LeaveOfAbsence>,
}

/// How a credential renewed by annual declaration stands.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeclarationDue {
    #[schema(value_type = String, format = Date)]
    pub next_declaration_on: NaiveDate,
    /// The last day a declaration may be made before the credential lapses.
    #[schema(value_type = String, format = Date)]
    pub grace_ends_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_declared_on: Option<NaiveDate>,
    /// Days of leave of absence that moved the date.
    pub moved_by_leave_days: i64,
    pub on_leave: bool,
    /// The credential whose declaration date this one shares, where the body aligns them.
    pub aligned_with: Option<String>,
    /// In words, where something moved or aligned the date.
    pub note: Option<String>,
}
