//! Who may record and see what the bodies ask all year: live assessments, the reference
//! rules an admin keeps, and bodies' audits.

use super::{can_manage_people_of, person_records, supervises_in, Access, Caller, Decision, Role};

/// Who may see a person's live assessments: the person, their training lead, admins, and the
/// supervisors who supervise in the person's service (`linked`: services an admin linked the
/// caller to).
pub fn can_view_live_assessments(
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
    linked: &[String],
) -> bool {
    caller.id == person_id
        || can_manage_people_of(caller, person_service)
        || (caller.has(Role::Supervisor)
            && supervises_in(caller.service_id.as_deref(), linked, person_service))
}

/// A live assessment of practice is recorded by a supervisor who supervises in the person's
/// service, never by the person; a lead or admin who is not such a supervisor is refused
/// (403), anyone who may not see the person gets 404.
pub fn may_record_live_assessment(
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
    linked: &[String],
) -> Decision {
    if !can_view_live_assessments(caller, person_id, person_service, linked) {
        return Decision::Hidden;
    }
    if caller.id == person_id {
        return Decision::Forbidden("nobody assesses their own practice");
    }
    if caller.has(Role::Supervisor)
        && supervises_in(caller.service_id.as_deref(), linked, person_service)
    {
        Decision::Allowed
    } else {
        Decision::Forbidden("live assessments are recorded by a supervisor of the person's service")
    }
}

/// The live-assessment interventions and rules are reference data an admin keeps.
pub fn can_edit_reference_rules(caller: &Caller) -> bool {
    caller.is_admin()
}

/// A body's audit of a person is recorded and followed by the person, their training lead and
/// admins; to anyone else it does not exist.
pub fn body_audit_access(
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
) -> Decision {
    person_records(caller, person_id, person_service, Access::OwnerOrManager)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[Role], service: Option<&str>) -> Caller {
        Caller {
            id: "me".into(),
            email: "me@example.org".into(),
            full_name: "Me".into(),
            roles: roles.to_vec(),
            service_id: service.map(str::to_string),
            session_id: "s".into(),
        }
    }

    #[test]
    fn a_supervisor_of_the_service_records_live_assessments_and_nobody_their_own() {
        let sup = caller(&[Role::Supervisor], Some("s1"));
        assert_eq!(
            may_record_live_assessment(&sup, "pwp", Some("s1"), &[]),
            Decision::Allowed
        );
        assert!(can_view_live_assessments(&sup, "pwp", Some("s1"), &[]));
        // Another service: unseen, unless an admin linked the supervisor to it.
        assert_eq!(
            may_record_live_assessment(&sup, "pwp", Some("s2"), &[]),
            Decision::Hidden
        );
        let linked = vec!["s2".to_string()];
        assert_eq!(
            may_record_live_assessment(&sup, "pwp", Some("s2"), &linked),
            Decision::Allowed
        );
        // Themselves: seen, never assessed.
        assert!(matches!(
            may_record_live_assessment(&sup, "me", Some("s1"), &[]),
            Decision::Forbidden(_)
        ));
        // A lead sees, but records only as a supervisor; a practitioner sees only their own.
        let lead = caller(&[Role::TrainingLead], Some("s1"));
        assert!(can_view_live_assessments(&lead, "pwp", Some("s1"), &[]));
        assert!(matches!(
            may_record_live_assessment(&lead, "pwp", Some("s1"), &[]),
            Decision::Forbidden(_)
        ));
        let p = caller(&[Role::Practitioner], Some("s1"));
        assert!(can_view_live_assessments(&p, "me", Some("s1"), &[]));
        assert!(!can_view_live_assessments(&p, "pwp", Some("s1"), &[]));
    }

    #[test]
    fn audits_are_the_persons_their_leads_and_admins() {
        let p = caller(&[Role::Practitioner], Some("s1"));
        assert_eq!(body_audit_access(&p, "me", Some("s1")), Decision::Allowed);
        assert_eq!(body_audit_access(&p, "other", Some("s1")), Decision::Hidden);
        let lead = caller(&[Role::TrainingLead], Some("s1"));
        assert_eq!(body_audit_access(&lead, "x", Some("s1")), Decision::Allowed);
        assert_eq!(body_audit_access(&lead, "x", Some("s2")), Decision::Hidden);
        let sup = caller(&[Role::Supervisor], Some("s1"));
        assert_eq!(body_audit_access(&sup, "x", Some("s1")), Decision::Hidden);
        assert!(can_edit_reference_rules(&caller(&[Role::Admin], None)));
        assert!(!can_edit_reference_rules(&lead));
    }
}
