//! Who may do what: every permission rule of the API lives here, as plain functions of the
//! caller and the record, so each can be read in one place and tested without a database.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    TrainingLead,
    Supervisor,
    Practitioner,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::TrainingLead,
        Role::Supervisor,
        Role::Practitioner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::TrainingLead => "training_lead",
            Role::Supervisor => "supervisor",
            Role::Practitioner => "practitioner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Roles as stored: a sorted, comma-separated list.
pub fn roles_to_text(roles: &[Role]) -> String {
    let mut r = roles.to_vec();
    r.sort();
    r.dedup();
    r.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

pub fn roles_from_text(text: &str) -> Vec<Role> {
    text.split(',')
        .filter_map(|s| Role::parse(s.trim()))
        .collect()
}

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub service_id: Option<String>,
    pub session_id: String,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// A training lead of this service.
    pub fn leads(&self, service_id: Option<&str>) -> bool {
        self.has(Role::TrainingLead)
            && service_id.is_some()
            && self.service_id.as_deref() == service_id
    }
}

/// Admin-only routes (services, supervisor links, the registry-wide policy, ...).
pub fn is_admin(caller: &Caller) -> bool {
    caller.is_admin()
}

/// Which people a caller may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeopleScope {
    All,
    Service(String),
}

/// Admins list everyone; training leads and supervisors their own service; others nobody.
pub fn people_scope(caller: &Caller) -> Option<PeopleScope> {
    if caller.is_admin() {
        return Some(PeopleScope::All);
    }
    if caller.has(Role::TrainingLead) || caller.has(Role::Supervisor) {
        return caller.service_id.clone().map(PeopleScope::Service);
    }
    None
}

/// Whether the caller may see a person (else the person is answered as 404).
pub fn can_view_person(caller: &Caller, person_id: &str, person_service: Option<&str>) -> bool {
    caller.id == person_id
        || match people_scope(caller) {
            Some(PeopleScope::All) => true,
            Some(PeopleScope::Service(s)) => person_service == Some(s.as_str()),
            None => false,
        }
}

/// Whether the caller may create, change the record of, or deactivate people of a service.
pub fn can_manage_people_of(caller: &Caller, service_id: Option<&str>) -> bool {
    caller.is_admin() || caller.leads(service_id)
}

/// Only an admin grants the admin role; training leads grant the others.
pub fn can_grant(caller: &Caller, roles: &[Role]) -> bool {
    caller.is_admin() || !roles.contains(&Role::Admin)
}

/// Services are written by admins.
pub fn can_write_services(caller: &Caller) -> bool {
    caller.is_admin()
}

/// Records every service relies on (the registry-wide policy, shared courses, credential kinds,
/// modalities, competence frameworks): a training lead reads their changes in the audit trail
/// beside their own service's.
pub const SHARED_RECORDS: &[&str] = &[
    "supervision_policy",
    "course",
    "credential_kind",
    "modality",
    "competency_framework",
    "competence",
];

/// Whose history the caller may read: all (admins), their service's (training leads).
pub fn audit_scope(caller: &Caller) -> Option<PeopleScope> {
    if caller.is_admin() {
        Some(PeopleScope::All)
    } else if caller.has(Role::TrainingLead) {
        caller.service_id.clone().map(PeopleScope::Service)
    } else {
        None
    }
}

/// How the audit trail shows special-category values (ethnicity, languages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialCategoryView {
    Redact,
    /// Shown, each reading recorded: admins only.
    Reveal,
}

/// `?special_category=` as asked: `redact` (the default) for anyone who may read the trail,
/// `reveal` for admins alone (403 for anyone else), anything else a 422.
pub fn special_category_view(
    caller: &Caller,
    asked: Option<&str>,
) -> Result<SpecialCategoryView, crate::error::AppError> {
    use crate::error::AppError;
    match asked {
        None | Some("redact") => Ok(SpecialCategoryView::Redact),
        Some("reveal") if caller.is_admin() => Ok(SpecialCategoryView::Reveal),
        Some("reveal") => Err(AppError::Forbidden(
            "only an admin may reveal special-category data".into(),
        )),
        Some(_) => Err(AppError::invalid(
            "special_category",
            "must be redact or reveal",
        )),
    }
}

/// A supervision log is seen by its supervisee, its named supervisor, the supervisee's training
/// lead and admins; to anyone else it does not exist.
pub fn can_view_log(
    caller: &Caller,
    supervisee_id: &str,
    supervisor_id: &str,
    supervisee_service: Option<&str>,
) -> bool {
    caller.id == supervisee_id
        || caller.id == supervisor_id
        || caller.leads(supervisee_service)
        || caller.is_admin()
}

/// Whether a supervisor supervises people of `service`: their own service, or one an admin has
/// linked them to (`linked`).
pub fn supervises_in(
    supervisor_service: Option<&str>,
    linked: &[String],
    service: Option<&str>,
) -> bool {
    match service {
        Some(s) => supervisor_service == Some(s) || linked.iter().any(|l| l == s),
        None => false,
    }
}

/// Whether the caller may record a supervision session for `supervisee_id` naming
/// `supervisor_id`: their own session, or, for a supervisor naming themselves, a session of a
/// person of a service they supervise in (`linked`: the services an admin has linked them to).
/// Anyone else's person is answered as if unknown.
pub fn can_record_log_for(
    caller: &Caller,
    supervisee_id: &str,
    supervisor_id: &str,
    supervisee_service: Option<&str>,
    linked: &[String],
) -> bool {
    caller.id == supervisee_id
        || (caller.has(Role::Supervisor)
            && caller.id == supervisor_id
            && supervises_in(caller.service_id.as_deref(), linked, supervisee_service))
}

/// Links between supervisors and other services are an admin's to make.
pub fn can_link_supervisor(caller: &Caller) -> bool {
    caller.is_admin()
}

/// Admins and training leads add courses.
pub fn can_create_course(caller: &Caller) -> bool {
    caller.is_admin() || caller.has(Role::TrainingLead)
}

/// The service a new course belongs to: a lead's own; an admin's course is shared (`None`).
pub fn course_owner(caller: &Caller) -> Option<String> {
    if caller.is_admin() {
        None
    } else {
        caller.service_id.clone()
    }
}

/// A course is changed by an admin, or by a lead of the service that created it while no other
/// service uses it (`used_by`: services with training records on it or requiring it).
pub fn can_change_course(caller: &Caller, owner: Option<&str>, used_by: &[String]) -> bool {
    caller.is_admin()
        || (owner.is_some()
            && caller.leads(owner)
            && used_by.iter().all(|s| Some(s.as_str()) == owner))
}

/// Whose compliance the caller may see: their own, their service's (training leads), anyone's
/// (admins), and, for a supervisor, that of people who named them in the last 12 months.
pub fn can_view_compliance(
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
    named_caller_recently: bool,
) -> bool {
    caller.id == person_id
        || caller.is_admin()
        || caller.leads(person_service)
        || (caller.has(Role::Supervisor) && named_caller_recently)
}

/// Which supervision-policy rules a write replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyTarget {
    /// The registry-wide rules.
    Registry,
    /// One service's own rules.
    Service(String),
}

/// What a policy write may replace: an admin, the registry's rules (no service named) or any
/// service's; a training lead, only their own service's (named or not). Else nothing (403).
pub fn policy_target(caller: &Caller, service: Option<&str>) -> Option<PolicyTarget> {
    match service {
        Some(s) if caller.is_admin() || caller.leads(Some(s)) => {
            Some(PolicyTarget::Service(s.to_string()))
        }
        Some(_) => None,
        None if caller.is_admin() => Some(PolicyTarget::Registry),
        None if caller.has(Role::TrainingLead) => {
            caller.service_id.clone().map(PolicyTarget::Service)
        }
        None => None,
    }
}

/// A service's own policy rules are read by its people and admins.
pub fn can_read_service_policy(caller: &Caller, service: &str) -> bool {
    caller.is_admin() || caller.service_id.as_deref() == Some(service)
}

/// Reports: admins see every service, training leads their own.
pub fn report_scope(caller: &Caller) -> Option<PeopleScope> {
    audit_scope(caller)
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
    fn roles_round_trip_sorted() {
        let text = roles_to_text(&[Role::Supervisor, Role::Admin, Role::Supervisor]);
        assert_eq!(text, "admin,supervisor");
        assert_eq!(roles_from_text(&text), vec![Role::Admin, Role::Supervisor]);
    }

    #[test]
    fn a_practitioner_sees_only_themselves() {
        let p = caller(&[Role::Practitioner], Some("s1"));
        assert!(can_view_person(&p, "me", Some("s1")));
        assert!(!can_view_person(&p, "other", Some("s1")));
        assert_eq!(people_scope(&p), None);
    }

    #[test]
    fn a_training_lead_manages_only_their_service() {
        let tl = caller(&[Role::TrainingLead], Some("s1"));
        assert!(can_manage_people_of(&tl, Some("s1")));
        assert!(!can_manage_people_of(&tl, Some("s2")));
        assert!(!can_manage_people_of(&tl, None));
        assert!(can_view_person(&tl, "x", Some("s1")));
        assert!(!can_view_person(&tl, "x", Some("s2")));
        assert!(!can_grant(&tl, &[Role::Admin]));
        assert!(can_grant(&tl, &[Role::Supervisor, Role::TrainingLead]));
        assert!(!can_write_services(&tl));
    }

    #[test]
    fn a_training_lead_without_a_service_leads_nothing() {
        let tl = caller(&[Role::TrainingLead], None);
        assert!(!can_manage_people_of(&tl, None));
        assert_eq!(people_scope(&tl), None);
        assert_eq!(audit_scope(&tl), None);
    }

    #[test]
    fn logs_are_seen_by_the_two_people_named_and_the_service_lead() {
        let p = caller(&[Role::Practitioner], Some("s1"));
        assert!(can_view_log(&p, "me", "sup", Some("s1")));
        assert!(!can_view_log(&p, "other", "sup", Some("s1")));
        let tl = caller(&[Role::TrainingLead], Some("s1"));
        assert!(can_view_log(&tl, "other", "sup", Some("s1")));
        assert!(!can_view_log(&tl, "other", "sup", Some("s2")));
        let sup = caller(&[Role::Supervisor], Some("s1"));
        assert!(can_view_compliance(&sup, "x", Some("s2"), true));
        assert!(!can_view_compliance(&sup, "x", Some("s1"), false));
        assert_eq!(policy_target(&sup, None), None);
    }

    #[test]
    fn a_supervisor_records_sessions_only_in_the_services_they_supervise_in() {
        let sup = caller(&[Role::Supervisor], Some("s1"));
        // Their own service, naming themselves.
        assert!(can_record_log_for(&sup, "p", "me", Some("s1"), &[]));
        // Another service: refused, unless an admin linked them to it.
        assert!(!can_record_log_for(&sup, "p", "me", Some("s2"), &[]));
        assert!(can_record_log_for(
            &sup,
            "p",
            "me",
            Some("s2"),
            &["s2".into()]
        ));
        // Naming someone else as supervisor, or a person with no service: refused.
        assert!(!can_record_log_for(&sup, "p", "other", Some("s1"), &[]));
        assert!(!can_record_log_for(&sup, "p", "me", None, &[]));
        // A practitioner records only their own sessions.
        let p = caller(&[Role::Practitioner], Some("s1"));
        assert!(can_record_log_for(&p, "me", "sup", Some("s1"), &[]));
        assert!(!can_record_log_for(&p, "other", "me", Some("s1"), &[]));
        assert!(supervises_in(Some("s1"), &[], Some("s1")));
        assert!(!supervises_in(None, &[], Some("s1")));
        assert!(!can_link_supervisor(&sup));
        assert!(can_link_supervisor(&caller(&[Role::Admin], None)));
    }

    #[test]
    fn a_lead_changes_only_their_own_unshared_courses() {
        let tl = caller(&[Role::TrainingLead], Some("s1"));
        assert!(can_create_course(&tl));
        assert_eq!(course_owner(&tl), Some("s1".into()));
        assert!(can_change_course(&tl, Some("s1"), &[]));
        assert!(can_change_course(&tl, Some("s1"), &["s1".into()]));
        assert!(!can_change_course(
            &tl,
            Some("s1"),
            &["s1".into(), "s2".into()]
        ));
        assert!(!can_change_course(&tl, Some("s2"), &[]));
        assert!(!can_change_course(&tl, None, &[]));
        let a = caller(&[Role::Admin], None);
        assert!(can_change_course(&a, None, &["s1".into(), "s2".into()]));
        assert_eq!(course_owner(&a), None);
        assert!(!can_create_course(&caller(&[Role::Supervisor], Some("s1"))));
    }

    #[test]
    fn the_registry_wide_policy_is_the_admins_and_a_lead_writes_only_their_own() {
        let tl = caller(&[Role::TrainingLead], Some("s1"));
        assert_eq!(
            policy_target(&tl, None),
            Some(PolicyTarget::Service("s1".into()))
        );
        assert_eq!(
            policy_target(&tl, Some("s1")),
            Some(PolicyTarget::Service("s1".into()))
        );
        assert_eq!(policy_target(&tl, Some("s2")), None);
        assert_eq!(
            policy_target(&caller(&[Role::TrainingLead], None), None),
            None
        );
        let a = caller(&[Role::Admin], None);
        assert_eq!(policy_target(&a, None), Some(PolicyTarget::Registry));
        assert_eq!(
            policy_target(&a, Some("s2")),
            Some(PolicyTarget::Service("s2".into()))
        );
        assert!(can_read_service_policy(&tl, "s1"));
        assert!(!can_read_service_policy(&tl, "s2"));
        assert!(can_read_service_policy(&a, "s2"));
    }

    #[test]
    fn only_an_admin_reveals_special_category_data() {
        let tl = caller(&[Role::TrainingLead], Some("s1"));
        assert_eq!(
            special_category_view(&tl, None).ok(),
            Some(SpecialCategoryView::Redact)
        );
        assert!(special_category_view(&tl, Some("reveal")).is_err());
        let a = caller(&[Role::Admin], None);
        assert_eq!(
            special_category_view(&a, Some("reveal")).ok(),
            Some(SpecialCategoryView::Reveal)
        );
        assert!(special_category_view(&a, Some("show")).is_err());
    }

    #[test]
    fn an_admin_may_do_everything() {
        let a = caller(&[Role::Admin], None);
        assert!(can_manage_people_of(&a, Some("any")));
        assert!(can_grant(&a, &[Role::Admin]));
        assert_eq!(audit_scope(&a), Some(PeopleScope::All));
    }
}
