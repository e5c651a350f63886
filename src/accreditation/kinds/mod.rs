//! Credential kinds: the individual credentials each body grants, with their renewal cycle and
//! reminder offsets (data an admin edits), and which body accredits each modality.

pub mod queries;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::renewal::Renewal;
use crate::audit;
use crate::auth::policy::Caller;
use crate::db::schema::credential_kinds;
use crate::db::DbConn;
use crate::error::{validate, AppError};
pub use queries::{body_exists, find_kind};

const UNKNOWN_BODY: &str = "must be BPS, BABCP, BACP, BPC or IPTUK";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = credential_kinds)]
pub struct CredentialKind {
    pub id: String,
    #[serde(rename = "body")]
    pub body_code: String,
    pub code: String,
    pub name: String,
    pub renewal_months: i32,
    /// Days before expiry on which reminders go out, comma-separated (e.g. "60,30,7").
    pub reminder_offsets: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// `fixed_expiry`, or `annual_declaration` on the anniversary of `valid_from`.
    pub renewal: Renewal,
    /// For an annual declaration: days after the declaration date before the credential lapses.
    pub declaration_grace_days: Option<i32>,
    /// The same body's kind whose declaration date this one shares (BABCP gives a supervisor's
    /// accreditation the practitioner accreditation's date).
    pub aligned_with: Option<String>,
    /// Where the renewal rule comes from.
    pub renewal_source: Option<String>,
}

fn valid_grace(d: i32) -> Result<(), validator::ValidationError> {
    if (0..=366).contains(&d) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("grace").with_message("must be 0 to 366 days".into()))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCredentialKind {
    pub body: String,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(range(min = 1, max = 120, message = "must be 1 to 120 months"))]
    #[schema(minimum = 1, maximum = 120)]
    pub renewal_months: i32,
    #[validate(length(max = 10, message = "at most 10 offsets"))]
    #[schema(max_items = 10)]
    pub reminder_offsets: Vec<u16>,
    /// Default `fixed_expiry`.
    #[serde(default)]
    pub renewal: Option<Renewal>,
    /// Required for `annual_declaration`.
    #[validate(custom(function = "valid_grace"))]
    pub declaration_grace_days: Option<i32>,
    pub aligned_with: Option<String>,
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub renewal_source: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialKindPatch {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(range(min = 1, max = 120, message = "must be 1 to 120 months"))]
    #[schema(minimum = 1, maximum = 120)]
    pub renewal_months: Option<i32>,
    #[validate(length(max = 10, message = "at most 10 offsets"))]
    #[schema(max_items = 10)]
    pub reminder_offsets: Option<Vec<u16>>,
    pub renewal: Option<Renewal>,
    #[validate(custom(function = "valid_grace"))]
    pub declaration_grace_days: Option<i32>,
    pub aligned_with: Option<String>,
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub renewal_source: Option<String>,
}

/// The problems of a kind's renewal rule: a declaration needs its grace period, and an
/// alignment names another kind of the same body that renews by declaration too.
fn renewal_errors(
    conn: &mut DbConn,
    kind: &CredentialKind,
) -> Result<Vec<crate::error::FieldError>, AppError> {
    use crate::error::FieldError;
    let mut errors = Vec::new();
    if kind.renewal == Renewal::AnnualDeclaration && kind.declaration_grace_days.is_none() {
        errors.push(FieldError::new(
            "declaration_grace_days",
            "must be given for a credential renewed by annual declaration",
        ));
    }
    if let Some(other) = &kind.aligned_with {
        match find_kind(conn, &kind.body_code, other)? {
            Some(o) if o.code == kind.code => {
                errors.push(FieldError::new("aligned_with", "cannot be the kind itself"))
            }
            Some(o)
                if o.renewal != Renewal::AnnualDeclaration
                    || kind.renewal != Renewal::AnnualDeclaration =>
            {
                errors.push(FieldError::new(
                    "aligned_with",
                    "both kinds must renew by annual declaration",
                ))
            }
            Some(_) => {}
            None => errors.push(FieldError::new(
                "aligned_with",
                format!("{} grants no credential called {other}", kind.body_code),
            )),
        }
    }
    Ok(errors)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KindQuery {
    pub body: Option<String>,
}

fn offsets_text(v: &[u16]) -> String {
    let mut v = v.to_vec();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.dedup();
    v.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModalityPatch {
    /// The body that accredits this modality's courses.
    pub body: String,
}

pub fn list_kinds(conn: &mut DbConn, body: Option<&str>) -> Result<Vec<CredentialKind>, AppError> {
    queries::list(conn, body)
}

/// Adds a credential a body grants (admins).
pub fn create_kind(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewCredentialKind,
    at: NaiveDateTime,
) -> Result<CredentialKind, AppError> {
    validate(&input)?;
    if !body_exists(conn, &input.body)? {
        return Err(AppError::invalid("body", UNKNOWN_BODY));
    }
    if find_kind(conn, &input.body, &input.code)?.is_some() {
        return Err(AppError::Conflict(format!(
            "{} already grants {}",
            input.body, input.code
        )));
    }
    let kind = CredentialKind {
        id: uuid::Uuid::now_v7().to_string(),
        body_code: input.body,
        code: input.code,
        name: input.name.trim().to_string(),
        renewal_months: input.renewal_months,
        reminder_offsets: offsets_text(&input.reminder_offsets),
        created_at: at,
        updated_at: at,
        renewal: input.renewal.unwrap_or(Renewal::FixedExpiry),
        declaration_grace_days: input.declaration_grace_days,
        aligned_with: input.aligned_with.filter(|a| !a.trim().is_empty()),
        renewal_source: input.renewal_source.map(|s| s.trim().to_string()),
    };
    let errors = renewal_errors(conn, &kind)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    queries::insert(conn, &kind)?;
    audit::of(&caller.id, "credential_kind", &kind.id).created(conn, &kind, at)?;
    Ok(kind)
}

/// Changes a credential kind's name, renewal cycle or reminder offsets (admins).
pub fn update_kind(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: CredentialKindPatch,
    at: NaiveDateTime,
) -> Result<CredentialKind, AppError> {
    validate(&patch)?;
    let before = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    let mut after = before.clone();
    if let Some(v) = patch.name {
        after.name = v.trim().to_string();
    }
    if let Some(v) = patch.renewal_months {
        after.renewal_months = v;
    }
    if let Some(v) = patch.reminder_offsets {
        after.reminder_offsets = offsets_text(&v);
    }
    if let Some(v) = patch.renewal {
        after.renewal = v;
    }
    if patch.declaration_grace_days.is_some() {
        after.declaration_grace_days = patch.declaration_grace_days;
    }
    if let Some(v) = patch.aligned_with {
        after.aligned_with = Some(v).filter(|a| !a.trim().is_empty());
    }
    if let Some(v) = patch.renewal_source {
        after.renewal_source = Some(v.trim().to_string());
    }
    let errors = renewal_errors(conn, &after)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    after.updated_at = at;
    queries::update(conn, &after)?;
    audit::of(&caller.id, "credential_kind", id).updated(conn, &before, &after, at)?;
    Ok(after)
}

/// Changes which body accredits a modality's courses (admins).
pub fn set_modality_body(
    conn: &mut DbConn,
    caller: &Caller,
    code: &str,
    input: ModalityPatch,
    at: NaiveDateTime,
) -> Result<crate::reference::Modality, AppError> {
    let before = queries::modality(conn, code)?.ok_or(AppError::NotFound)?;
    if !body_exists(conn, &input.body)? {
        return Err(AppError::invalid("body", UNKNOWN_BODY));
    }
    queries::set_modality_body(conn, code, &input.body)?;
    let after = crate::reference::Modality {
        code: before.code.clone(),
        name: before.name.clone(),
        body: input.body,
    };
    audit::of(&caller.id, "modality", code).updated(conn, &before, &after, at)?;
    Ok(after)
}
