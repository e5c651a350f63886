//! Rules about people that need no database.

use chrono::NaiveDateTime;

use super::model::PractitionerPatch;
use super::queries::PersonRow;
use crate::auth::policy::{roles_from_text, roles_to_text, Role, Touches};
use crate::error::AppError;

/// NHS ethnic category codes (the 2001 census categories used by NHS data sets; Z: not
/// stated) with their names and the broad group each belongs to.
pub const ETHNIC_CATEGORIES: [(&str, &str, &str); 17] = [
    ("A", "White - British", "white"),
    ("B", "White - Irish", "white"),
    ("C", "White - Any other White background", "white"),
    ("D", "Mixed - White and Black Caribbean", "mixed"),
    ("E", "Mixed - White and Black African", "mixed"),
    ("F", "Mixed - White and Asian", "mixed"),
    ("G", "Mixed - Any other mixed background", "mixed"),
    ("H", "Asian or Asian British - Indian", "asian"),
    ("J", "Asian or Asian British - Pakistani", "asian"),
    ("K", "Asian or Asian British - Bangladeshi", "asian"),
    (
        "L",
        "Asian or Asian British - Any other Asian background",
        "asian",
    ),
    ("M", "Black or Black British - Caribbean", "black"),
    ("N", "Black or Black British - African", "black"),
    (
        "P",
        "Black or Black British - Any other Black background",
        "black",
    ),
    ("R", "Other ethnic groups - Chinese", "other"),
    ("S", "Other ethnic groups - Any other ethnic group", "other"),
    ("Z", "Not stated", "not_stated"),
];

pub fn valid_ethnicity(code: &str) -> bool {
    ETHNIC_CATEGORIES.iter().any(|c| c.0 == code)
}

/// Applies a patch to a row, before the permission check. Returns what it touched.
pub fn apply_patch(
    row: &mut PersonRow,
    p: PractitionerPatch,
    at: NaiveDateTime,
) -> Result<Touches, AppError> {
    let mut t = Touches::default();
    let before_roles = roles_from_text(&row.roles);
    if let Some(v) = p.email {
        t.staff_fields |= v.trim() != row.email;
        row.email = v.trim().to_string();
    }
    if let Some(v) = p.full_name {
        t.staff_fields |= v.trim() != row.full_name;
        row.full_name = v.trim().to_string();
    }
    if let Some(v) = p.service_id {
        let v = crate::http::parse_id(&v)
            .map_err(|_| AppError::invalid("service_id", "no such service"))?;
        t.staff_fields |= row.service_id.as_deref() != Some(v.as_str());
        row.service_id = Some(v);
    }
    if let Some(v) = p.practitioner_role {
        t.staff_fields |= row.practitioner_role.as_deref() != Some(v.as_str());
        row.practitioner_role = Some(v);
    }
    if let Some(v) = p.stage {
        t.staff_fields |= row.stage != Some(v);
        row.stage = Some(v);
    }
    if let Some(v) = p.wte {
        t.staff_fields |= row.wte != Some(v);
        row.wte = Some(v);
    }
    if let Some(v) = p.roles {
        let new_roles = sorted_roles(&v);
        t.staff_fields |= new_roles != before_roles;
        t.admin_role = new_roles.contains(&Role::Admin) != before_roles.contains(&Role::Admin);
        row.roles = roles_to_text(&new_roles);
    }
    if let Some(v) = p.esr_assignment_number {
        let v = v.trim().to_string();
        t.staff_fields |= row.esr_assignment_number.as_deref() != Some(v.as_str());
        row.esr_assignment_number = Some(v);
    }
    if let Some(v) = p.started_on {
        t.staff_fields |= row.started_on != Some(v);
        row.started_on = Some(v);
    }
    if let Some(v) = p.active {
        t.staff_fields |= row.active != v;
        if row.active != v && p.left_on.is_none() {
            row.left_on = if v {
                None
            } else {
                Some(row.left_on.unwrap_or(at.date()))
            };
        }
        row.active = v;
    }
    if let Some(v) = p.left_on {
        t.staff_fields |= row.left_on != v;
        row.left_on = v;
    }
    if let (Some(start), Some(left)) = (row.started_on, row.left_on) {
        if left < start {
            return Err(AppError::invalid("left_on", "cannot be before started_on"));
        }
    }
    if let Some(v) = p.ethnicity {
        if let Some(code) = &v {
            if !valid_ethnicity(code) {
                return Err(AppError::invalid(
                    "ethnicity",
                    "must be an NHS ethnic category code (A to S, or Z for not stated)",
                ));
            }
        }
        t.special_category |= row.ethnicity != v;
        row.ethnicity = v;
    }
    if let Some(v) = p.languages {
        let text = serde_json::to_string(&v).map_err(AppError::internal)?;
        t.special_category |= text != row.languages;
        row.languages = text;
    }
    if let Some(v) = p.specialist_interests {
        let text = serde_json::to_string(&v).map_err(AppError::internal)?;
        t.profile_fields |= text != row.specialist_interests;
        row.specialist_interests = text;
    }
    Ok(t)
}

/// A clinician gives a practitioner role, stage and WTE; staff who see no patients give none
/// of them, and hold a role other than `practitioner` (no roles means `practitioner`).
pub fn clinical_fields(
    role: bool,
    stage: bool,
    wte: bool,
    roles: &[Role],
) -> Vec<crate::error::FieldError> {
    use crate::error::FieldError;
    let mut out = Vec::new();
    if role {
        if !stage {
            out.push(FieldError::new(
                "stage",
                "is required with a practitioner_role",
            ));
        }
        if !wte {
            out.push(FieldError::new(
                "wte",
                "is required with a practitioner_role",
            ));
        }
        return out;
    }
    if stage {
        out.push(FieldError::new("stage", "applies to practitioners only: give a practitioner_role too, or leave it out for staff"));
    }
    if wte {
        out.push(FieldError::new("wte", "applies to practitioners only: give a practitioner_role too, or leave it out for staff"));
    }
    if roles.is_empty() || roles.contains(&Role::Practitioner) {
        out.push(FieldError::new(
            "practitioner_role",
            "is required for a practitioner; for staff who see no patients give roles without practitioner (for example training_lead)",
        ));
    }
    out
}

/// A person's roles as stored: `practitioner` when none is given, each once, in order.
pub fn sorted_roles(roles: &[Role]) -> Vec<Role> {
    let mut r = if roles.is_empty() {
        vec![Role::Practitioner]
    } else {
        roles.to_vec()
    };
    r.sort();
    r.dedup();
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_give_no_clinical_fields_and_clinicians_give_all() {
        use crate::auth::policy::Role;
        assert!(clinical_fields(true, true, true, &[]).is_empty());
        assert!(clinical_fields(false, false, false, &[Role::TrainingLead]).is_empty());
        let fields =
            |v: Vec<crate::error::FieldError>| v.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(clinical_fields(true, false, false, &[])),
            ["stage", "wte"]
        );
        assert_eq!(
            fields(clinical_fields(false, false, false, &[])),
            ["practitioner_role"]
        );
        assert_eq!(
            fields(clinical_fields(false, true, false, &[Role::TrainingLead])),
            ["stage"]
        );
    }

    #[test]
    fn ethnic_codes_are_checked() {
        assert!(valid_ethnicity("A"));
        assert!(valid_ethnicity("Z"));
        assert!(!valid_ethnicity("I"));
        assert!(!valid_ethnicity("white"));
    }
}
