//! Which areas of the web pages a caller may open: each role's own area, and all of them for a
//! person with several roles. A page outside the caller's areas answers 404, as the API does,
//! and its link is never shown.

use super::{Caller, Role};

/// An area of the web pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// One's own supervision, credentials and CPD (practitioners).
    Practice,
    /// Countersigning supervisees' sessions and seeing their compliance (supervisors).
    Supervising,
    /// Running a service's registry: importing its staff (training leads with a service, and
    /// admins).
    Leading,
    /// Running the registry itself: its services (admins).
    Running,
}

/// The areas a caller may open, in the order the navigation shows them.
pub fn areas(caller: &Caller) -> Vec<Area> {
    [
        Area::Practice,
        Area::Supervising,
        Area::Leading,
        Area::Running,
    ]
    .into_iter()
    .filter(|a| may_open(caller, *a))
    .collect()
}

pub fn may_open(caller: &Caller, area: Area) -> bool {
    match area {
        Area::Practice => caller.has(Role::Practitioner),
        Area::Supervising => caller.has(Role::Supervisor),
        Area::Leading => {
            caller.is_admin() || (caller.has(Role::TrainingLead) && caller.service_id.is_some())
        }
        Area::Running => caller.is_admin(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[Role]) -> Caller {
        Caller {
            id: "u".into(),
            email: "u@example.org".into(),
            full_name: "U".into(),
            roles: roles.to_vec(),
            service_id: Some("s".into()),
            session_id: "x".into(),
        }
    }

    #[test]
    fn each_role_opens_its_own_area_and_no_other() {
        let p = caller(&[Role::Practitioner]);
        assert!(may_open(&p, Area::Practice));
        assert!(!may_open(&p, Area::Supervising));
        let s = caller(&[Role::Supervisor]);
        assert!(!may_open(&s, Area::Practice));
        assert!(may_open(&s, Area::Supervising));
        assert!(!may_open(&p, Area::Leading) && !may_open(&s, Area::Leading));
        let lead = caller(&[Role::TrainingLead]);
        assert_eq!(areas(&lead), vec![Area::Leading]);
        let mut unplaced = lead.clone();
        unplaced.service_id = None;
        assert!(
            areas(&unplaced).is_empty(),
            "a lead of no service leads nothing"
        );
        assert!(
            !may_open(&lead, Area::Running),
            "a lead does not run the registry"
        );
        assert_eq!(
            areas(&caller(&[Role::Admin])),
            vec![Area::Leading, Area::Running]
        );
    }

    #[test]
    fn a_person_with_several_roles_sees_each_area() {
        let both = caller(&[Role::Practitioner, Role::Supervisor]);
        assert_eq!(areas(&both), vec![Area::Practice, Area::Supervising]);
    }
}
