//! Rules about people that need no database.

use crate::auth::policy::{Caller, Role};

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

/// What a PATCH touches, by who may change it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Touches {
    /// Fields a training lead or admin manages (email, name, service, role, stage, WTE, roles,
    /// start date, active).
    pub staff_fields: bool,
    /// Specialist interests: the person or their managers.
    pub profile_fields: bool,
    /// Ethnicity and languages: special-category data, set by the person alone.
    pub special_category: bool,
    /// Whether the admin role is granted or taken away.
    pub admin_role: bool,
}

/// Whether `caller` may make these changes to a person (`is_self`: the caller is the person;
/// `manages_before`/`manages_after`: the caller manages the person's current and new service).
pub fn may_patch(
    caller: &Caller,
    is_self: bool,
    manages_before: bool,
    manages_after: bool,
    t: Touches,
) -> bool {
    if t.special_category && !is_self {
        return false;
    }
    if t.profile_fields && !(is_self || manages_before) {
        return false;
    }
    if t.staff_fields && !(manages_before && manages_after) {
        return false;
    }
    if t.admin_role && !caller.has(Role::Admin) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[Role]) -> Caller {
        Caller {
            id: "c".into(),
            email: "c@x".into(),
            full_name: "C".into(),
            roles: roles.to_vec(),
            service_id: Some("s".into()),
            session_id: "x".into(),
        }
    }

    #[test]
    fn only_the_person_sets_their_ethnicity_and_languages() {
        let admin = caller(&[Role::Admin]);
        let t = Touches {
            special_category: true,
            ..Touches::default()
        };
        assert!(!may_patch(&admin, false, true, true, t));
        assert!(may_patch(
            &caller(&[Role::Practitioner]),
            true,
            false,
            false,
            t
        ));
    }

    #[test]
    fn a_practitioner_cannot_change_their_own_staff_record() {
        let p = caller(&[Role::Practitioner]);
        let staff = Touches {
            staff_fields: true,
            ..Touches::default()
        };
        assert!(!may_patch(&p, true, false, false, staff));
        let profile = Touches {
            profile_fields: true,
            ..Touches::default()
        };
        assert!(may_patch(&p, true, false, false, profile));
    }

    #[test]
    fn moving_someone_needs_both_services() {
        let tl = caller(&[Role::TrainingLead]);
        let staff = Touches {
            staff_fields: true,
            ..Touches::default()
        };
        assert!(may_patch(&tl, false, true, true, staff));
        assert!(!may_patch(&tl, false, true, false, staff));
        let admin = Touches {
            staff_fields: true,
            admin_role: true,
            ..Touches::default()
        };
        assert!(!may_patch(&tl, false, true, true, admin));
    }

    #[test]
    fn ethnic_codes_are_checked() {
        assert!(valid_ethnicity("A"));
        assert!(valid_ethnicity("Z"));
        assert!(!valid_ethnicity("I"));
        assert!(!valid_ethnicity("white"));
    }
}
