//! Supervisors from outside the service: their registration with a body, as stored and as shown.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::accreditation::credentials::VerificationMethod;
use crate::db::schema::external_supervisors;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = external_supervisors, treat_none_as_null = true)]
pub struct Registration {
    pub user_id: String,
    pub body_code: String,
    pub registration_number: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub verification_method: Option<VerificationMethod>,
    pub verification_reference: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A supervisor from outside the service: a person who never signs in, named on logs and
/// countersigning them through emailed links.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExternalSupervisor {
    pub id: String,
    pub full_name: String,
    pub email: String,
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub active: bool,
    /// The body they are registered or accredited with (a code of `GET /bodies`).
    pub body: String,
    pub body_name: String,
    pub registration_number: String,
    /// Whether someone has checked the registration with the body; a log may name them only then.
    pub verified: bool,
    pub verified_by: Option<String>,
    pub verified_by_name: Option<String>,
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<NaiveDateTime>,
    pub verification_method: Option<VerificationMethod>,
    pub verification_reference: Option<String>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExternalSupervisor {
    #[validate(
        email(message = "is not an email address"),
        length(max = 320, message = "must be at most 320 characters")
    )]
    #[schema(max_length = 320, format = Email)]
    pub email: String,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    /// Default: the caller's service (an admin names one).
    pub service_id: Option<String>,
    /// A body code of `GET /bodies`.
    #[validate(length(min = 1, max = 32, message = "must be 1 to 32 characters"))]
    #[schema(min_length = 1, max_length = 32)]
    pub body: String,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub registration_number: String,
}

/// Changes; absent fields stay. A new body or number must be verified again.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSupervisorPatch {
    #[validate(
        email(message = "is not an email address"),
        length(max = 320, message = "must be at most 320 characters")
    )]
    #[schema(max_length = 320, format = Email)]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: Option<String>,
    #[validate(length(min = 1, max = 32, message = "must be 1 to 32 characters"))]
    #[schema(min_length = 1, max_length = 32)]
    pub body: Option<String>,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub registration_number: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExternalQuery {
    /// An admin's filter; everyone else sees their own service's.
    pub service_id: Option<String>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
