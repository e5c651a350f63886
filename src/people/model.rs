//! People records and views: the person as the API shows them, and the inputs that create,
//! change and list people.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::queries::PersonWithModality;
use crate::auth::policy::{roles_from_text, Role};
use crate::auth::valid_password;

crate::db_enum! {
    pub enum Stage("stage") {
        Trainee => "trainee",
        Qualified => "qualified",
    }
}

/// A person as the API shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub service_id: Option<String>,
    /// The service's name (in lists and a person's record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// `pwp`, `cbt_therapist`, `counsellor`, `couple_therapist`, `dit_practitioner` or `ipt_practitioner`.
    pub practitioner_role: Option<String>,
    /// The modality the practitioner role practises.
    pub modality: Option<String>,
    /// Staff who see no patients (no practitioner role): kept out of every clinical
    /// requirement and count.
    pub staff: bool,
    /// `trainee` or `qualified`.
    pub stage: Option<Stage>,
    /// Whole-time equivalent, 0.1 to 1.0.
    pub wte: Option<f64>,
    pub roles: Vec<Role>,
    /// Start in post.
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    /// The last day in post, once the person has left (set on deactivation if not before).
    #[schema(value_type = Option<String>, format = Date)]
    pub left_on: Option<NaiveDate>,
    pub active: bool,
    /// The ESR (Electronic Staff Record) assignment number of their post, if recorded.
    pub esr_assignment_number: Option<String>,
    /// Planning tags such as `older people`; listable with `GET /practitioners?specialist_interest=`.
    pub specialist_interests: Vec<String>,
    /// Languages spoken: special-category data, shown to the person alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    /// NHS ethnic category code: shown to the person alone, never to anyone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    /// On creation without a password: the invitation sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation: Option<InvitationSent>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationSent {
    /// Whether the email went out; if not, send it again with `POST /practitioners/{id}/invitation`.
    pub sent: bool,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: NaiveDateTime,
}

/// A list kept as JSON text (languages, specialist interests).
pub(crate) fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

impl Person {
    /// `is_self`: the viewer is the person, the only one shown the special-category fields
    /// (ethnicity and languages).
    pub fn view((row, modality): PersonWithModality, is_self: bool) -> Person {
        Person {
            languages: is_self.then(|| json_list(&row.languages)),
            specialist_interests: json_list(&row.specialist_interests),
            roles: roles_from_text(&row.roles),
            ethnicity: if is_self { row.ethnicity } else { None },
            id: row.id,
            email: row.email,
            full_name: row.full_name,
            service_name: None,
            service_id: row.service_id,
            staff: row.practitioner_role.is_none(),
            practitioner_role: row.practitioner_role,
            modality,
            stage: row.stage,
            wte: row.wte,
            started_on: row.started_on,
            left_on: row.left_on,
            active: row.active,
            esr_assignment_number: row.esr_assignment_number,
            created_at: row.created_at,
            updated_at: row.updated_at,
            invitation: None,
        }
    }
}

fn one_line(field: &str) -> impl Fn(&String) -> Result<(), validator::ValidationError> + '_ {
    move |s: &String| {
        if s.trim().is_empty() || s.chars().count() > 200 || s.contains(['\n', '\r']) {
            let mut e = validator::ValidationError::new("text");
            e.message =
                Some(format!("each {field} must be 1 to 200 characters on one line").into());
            return Err(e);
        }
        Ok(())
    }
}

fn valid_tags(items: &[String]) -> Result<(), validator::ValidationError> {
    if items.len() > 50 {
        return Err(
            validator::ValidationError::new("tags").with_message("at most 50 entries".into())
        );
    }
    items.iter().try_for_each(one_line("entry"))
}

/// An ESR assignment number: digits, perhaps with a hyphen and a suffix (`12345678-2`).
pub(crate) fn valid_esr(s: &str) -> Result<(), validator::ValidationError> {
    let ok =
        (1..=30).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(validator::ValidationError::new("esr").with_message(
            "must be 1 to 30 letters, digits or hyphens, as ESR writes it (e.g. 12345678-2)".into(),
        ))
    }
}

fn valid_wte(w: f64) -> Result<(), validator::ValidationError> {
    if (0.1..=1.0).contains(&w) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("wte")
            .with_message("must be between 0.1 and 1.0".into()))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPractitioner {
    #[validate(
        email(message = "is not an email address"),
        length(max = 320, message = "is too long")
    )]
    pub email: String,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    pub service_id: String,
    /// A clinician's role. Leave it out (with `stage` and `wte`) for staff who see no patients
    /// (leads, managers, administrators): they are kept out of every clinical requirement and
    /// count, and need roles other than `practitioner`.
    pub practitioner_role: Option<String>,
    /// Required with a practitioner role.
    pub stage: Option<Stage>,
    /// Required with a practitioner role.
    #[validate(custom(function = "valid_wte"))]
    pub wte: Option<f64>,
    /// Default `["practitioner"]`.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Start in post; default today.
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    /// The ESR assignment number of their post, if the trust gives it.
    #[validate(custom(function = "valid_esr"))]
    pub esr_assignment_number: Option<String>,
    /// Without one, an invitation to set it is emailed.
    #[validate(custom(function = "valid_password"))]
    pub password: Option<String>,
}

/// Fields a person may change of their own record are `ethnicity`, `languages` and
/// `specialist_interests`; the rest are their training lead's or an admin's.
#[derive(Debug, Deserialize, Validate, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PractitionerPatch {
    #[validate(
        email(message = "is not an email address"),
        length(max = 320, message = "is too long")
    )]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: Option<String>,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<Stage>,
    #[validate(custom(function = "valid_wte"))]
    pub wte: Option<f64>,
    pub roles: Option<Vec<Role>>,
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<NaiveDate>,
    pub active: Option<bool>,
    /// The ESR assignment number of their post.
    #[validate(custom(function = "valid_esr"))]
    pub esr_assignment_number: Option<String>,
    /// The last day in post, or null while in post. Deactivating sets it to today if unset;
    /// reactivating clears it.
    #[serde(default, deserialize_with = "crate::http::input::double_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub left_on: Option<Option<NaiveDate>>,
    /// NHS ethnic category code (A..S, Z for not stated), or null to remove it. The person's own.
    #[serde(default, deserialize_with = "crate::http::input::double_option")]
    #[schema(value_type = Option<String>)]
    pub ethnicity: Option<Option<String>>,
    /// Languages spoken: special-category data, set and seen by the person alone.
    #[validate(custom(function = "valid_tags"))]
    pub languages: Option<Vec<String>>,
    #[validate(custom(function = "valid_tags"))]
    pub specialist_interests: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    /// Part of a name or email, any case.
    pub q: Option<String>,
    pub active: Option<bool>,
    /// A modality the person practises: their role's, or one learnt on a completed
    /// practitioner-training course.
    pub modality: Option<String>,
    /// A specialist interest the person has recorded, any case (for planning).
    pub specialist_interest: Option<String>,
    /// `trainee` or `qualified`.
    pub stage: Option<String>,
    /// Holding a credential `pending_verification`, `active`, `expiring` or `expired` today.
    pub credential_status: Option<String>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
