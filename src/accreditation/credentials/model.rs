//! Credentials: a practitioner's accreditation periods with a body, as stored and as shown,
//! their verification, and the accreditation report's rows.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::accreditation::rules::{credential_status, declared_status, CpdCheck, CredentialStatus};
use crate::db::schema::accreditations;
use crate::http::report::CsvRecord;

crate::db_enum! {
    /// How a credential was checked with its body.
    pub enum VerificationMethod("verification method") {
        RegisterLookup => "register_lookup",
        CertificateSeen => "certificate_seen",
        BodyConfirmation => "body_confirmation",
        Other => "other",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = accreditations, treat_none_as_null = true)]
pub struct AccreditationRow {
    pub id: String,
    pub practitioner_id: String,
    pub body_code: String,
    pub kind: String,
    pub membership_number: String,
    pub valid_from: NaiveDate,
    pub expires_on: NaiveDate,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub verification_method: Option<VerificationMethod>,
    pub verification_reference: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Accreditation {
    pub id: String,
    pub practitioner_id: String,
    pub body: String,
    pub kind: String,
    pub membership_number: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub expires_on: NaiveDate,
    /// `pending_verification` until verified, then `active`, `expiring` (within 90 days) or `expired`.
    pub status: CredentialStatus,
    pub verified_by: Option<String>,
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<NaiveDateTime>,
    pub verification_method: Option<VerificationMethod>,
    pub verification_reference: Option<String>,
    /// CPD for the next renewal, where the body has a CPD rule.
    pub cpd: Option<CpdCheck>,
    /// For a kind renewed by annual declaration: the next declaration date, its grace period
    /// and what moved it; the status follows it (`lapsed` after the grace period) rather than
    /// `expires_on`. Null for a fixed expiry.
    pub renewal: Option<crate::accreditation::declarations::DeclarationDue>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl Accreditation {
    pub fn view(
        r: AccreditationRow,
        cpd: Option<CpdCheck>,
        renewal: Option<(crate::accreditation::declarations::DeclarationDue, bool)>,
        today: NaiveDate,
    ) -> Accreditation {
        let verified = r.verified_at.is_some();
        let status = match &renewal {
            Some((due, lapsed)) => {
                declared_status(verified, due.next_declaration_on, *lapsed, today)
            }
            None => credential_status(verified, r.expires_on, today),
        };
        Accreditation {
            status,
            renewal: renewal.map(|(due, _)| due),
            id: r.id,
            practitioner_id: r.practitioner_id,
            body: r.body_code,
            kind: r.kind,
            membership_number: r.membership_number,
            valid_from: r.valid_from,
            expires_on: r.expires_on,
            verified_by: r.verified_by,
            verified_at: r.verified_at,
            verification_method: r.verification_method,
            verification_reference: r.verification_reference,
            cpd,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccreditation {
    /// BPS, BABCP, BACP, BPC or IPTUK.
    pub body: String,
    /// A credential kind of that body (see `GET /credential-kinds`).
    pub kind: String,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub membership_number: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub expires_on: NaiveDate,
}

/// Records that someone checked the credential with the body: these registers have no API.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// Must be true.
    pub verified: bool,
    pub verification_method: VerificationMethod,
    /// e.g. the register's entry or the certificate's number.
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub verification_reference: Option<String>,
}

impl Verification {
    /// The method and the trimmed reference of a verification that may be recorded: checked
    /// fields, and `verified` true (`instead`: what to do, since none is ever undone).
    pub fn checked(
        &self,
        instead: &str,
    ) -> Result<(VerificationMethod, Option<String>), crate::error::AppError> {
        crate::error::validate(self)?;
        if !self.verified {
            return Err(crate::error::AppError::invalid(
                "verified",
                &format!("must be true: a verification cannot be undone, {instead}"),
            ));
        }
        let reference = self
            .verification_reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        Ok((self.verification_method, reference))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    pub service_id: Option<String>,
    pub body: Option<String>,
    pub kind: Option<String>,
    /// `pending_verification`, `active`, `expiring` or `expired`.
    pub status: Option<String>,
    /// Rows per page (1 to 500, default 50); CSV answers every row.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AccreditationRow)]
pub struct ReportRow {
    pub practitioner_id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    /// Who verified the credential, by name.
    pub verified_by_name: Option<String>,
    #[serde(flatten)]
    pub accreditation: Accreditation,
}

impl CsvRecord for ReportRow {
    const FILE: &'static str = "accreditation.csv";
    const HEADER: &'static [&'static str] = &[
        "practitioner_id",
        "full_name",
        "service_id",
        "service_name",
        "accreditation_id",
        "body",
        "kind",
        "membership_number",
        "valid_from",
        "expires_on",
        "status",
        "verified_by",
        "verified_by_name",
        "verified_at",
        "verification_method",
        "verification_reference",
        "cpd_met",
        "cpd_missing",
    ];
    const BATCH: i64 = 1000;

    fn cells(&self) -> Vec<String> {
        let a = &self.accreditation;
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.practitioner_id.clone(),
            self.full_name.clone(),
            o(&self.service_id),
            o(&self.service_name),
            a.id.clone(),
            a.body.clone(),
            a.kind.clone(),
            a.membership_number.clone(),
            a.valid_from.to_string(),
            a.expires_on.to_string(),
            a.status.as_str().to_string(),
            o(&a.verified_by),
            o(&self.verified_by_name),
            a.verified_at
                .as_ref()
                .map(crate::app::rfc3339)
                .unwrap_or_default(),
            a.verification_method
                .map(|m| m.as_str().to_string())
                .unwrap_or_default(),
            o(&a.verification_reference),
            a.cpd
                .as_ref()
                .map(|c| c.met.to_string())
                .unwrap_or_default(),
            a.cpd
                .as_ref()
                .map(|c| c.missing.join("; "))
                .unwrap_or_default(),
        ]
    }
}
