//! Who may do what: every permission rule of the API lives here, as plain functions of the
//! caller and the record, so each can be read in one place and tested without a database.

mod areas;
mod imports;
mod metrics;
mod obligations;
pub use areas::{areas, may_open, Area};
pub use imports::{may_import, may_import_into, may_import_roles, Importer};
pub use metrics::metrics_access;
pub use obligations::*;

pub use super::roles::{
    roles_from_text, roles_to_text, Caller, MetricsAccess, MetricsDecision, Role,
};

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
        || (may_record_for_others(caller, supervisor_id)
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

/// What a caller may do with one person's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The person, their training lead, admins.
    Read,
    /// The person themselves, their training lead, admins.
    OwnerOrManager,
    /// Their training lead and admins only.
    Manager,
    /// Seen by the person, their lead and admins; written by the person alone (CPD).
    Owner,
    /// Their training lead and admins, but never the person themselves (verification).
    ManagerNotOwner,
}

/// The answer to "may the caller do this with that person's records".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Seen, but not allowed this (403, with why).
    Forbidden(&'static str),
    /// Not to be seen at all: answered as an unknown id (404).
    Hidden,
}

/// Access to a person's training, credential and CPD records.
pub fn person_records(
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
    need: Access,
) -> Decision {
    let is_self = caller.id == person_id;
    let manages = can_manage_people_of(caller, person_service);
    if !(is_self || manages) {
        return Decision::Hidden;
    }
    match need {
        Access::Read | Access::OwnerOrManager => Decision::Allowed,
        Access::Manager if manages => Decision::Allowed,
        Access::Manager => Decision::Forbidden("this is for the training lead or an admin"),
        Access::Owner if is_self => Decision::Allowed,
        Access::Owner => Decision::Forbidden("this is recorded by the practitioner themselves"),
        Access::ManagerNotOwner if is_self => {
            Decision::Forbidden("nobody verifies their own credential")
        }
        Access::ManagerNotOwner if manages => Decision::Allowed,
        Access::ManagerNotOwner => Decision::Forbidden("this is for the training lead or an admin"),
    }
}

/// A person's competences are seen by the person, their service's training lead, admins, and
/// the supervisors of their service.
pub fn can_view_competences(
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
) -> bool {
    caller.id == person_id
        || can_manage_people_of(caller, person_service)
        || (caller.has(Role::Supervisor)
            && person_service.is_some()
            && caller.service_id.as_deref() == person_service)
}

/// Why the caller may not assess a person's competence, or `None` when they may: a training
/// lead of the person's service or an admin; a supervisor who holds a current `met` for the
/// competence (`holds_it`); or someone an admin named as a first assessor of the framework.
/// Nobody assesses themselves.
pub fn may_assess(
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
    holds_it: bool,
    named_first_assessor: bool,
) -> Option<&'static str> {
    if caller.id == person_id {
        return Some("nobody assesses their own competence");
    }
    let is_supervisor = caller.has(Role::Supervisor);
    if caller.is_admin()
        || can_manage_people_of(caller, person_service)
        || named_first_assessor
        || (is_supervisor && holds_it)
    {
        return None;
    }
    if is_supervisor {
        Some("a supervisor assesses only competences they hold a current sign-off for")
    } else {
        Some("only training leads and supervisors who hold this competence assess it")
    }
}

/// Whether the caller is someone whose view of a person could depend on being named on their
/// logs (a supervisor): only then is it worth looking the logs up.
pub fn could_be_named(caller: &Caller) -> bool {
    caller.has(Role::Supervisor)
}

/// Someone else's session is recorded only by a supervisor naming themselves; anyone else is
/// refused (403) before any lookup, so nothing is learnt about the person named.
pub fn may_record_for_others(caller: &Caller, supervisor_id: &str) -> bool {
    caller.has(Role::Supervisor) && caller.id == supervisor_id
}

/// A submitted log is changed or withdrawn by its supervisee alone.
pub fn can_change_log(caller: &Caller, supervisee_id: &str) -> bool {
    caller.id == supervisee_id
}

/// A log is signed off or rejected by the supervisor it names alone.
pub fn can_review_log(caller: &Caller, supervisor_id: &str) -> bool {
    caller.id == supervisor_id
}

/// An emailed sign-off link decides only the logs it names (and, as for a signed-in
/// supervisor, only while each still names its supervisor: `can_review_log`).
pub fn link_covers(named: &[String], log_id: &str) -> bool {
    named.iter().any(|n| n == log_id)
}

/// Supervisors from outside a service are seen by its people (who name them on logs) and by
/// admins; to anyone else they do not exist.
pub fn external_scope(caller: &Caller) -> Option<PeopleScope> {
    match (&caller.service_id, caller.is_admin()) {
        (_, true) => Some(PeopleScope::All),
        (Some(s), false) => Some(PeopleScope::Service(s.clone())),
        (None, false) => None,
    }
}

/// Which supervision logs a list may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogScope {
    All,
    /// Those naming the caller, and every log of this service's people (a training lead).
    MineAndService(String),
    /// Those naming the caller as supervisee or supervisor.
    Mine,
}

pub fn log_scope(caller: &Caller) -> LogScope {
    if caller.is_admin() {
        return LogScope::All;
    }
    match (&caller.service_id, caller.has(Role::TrainingLead)) {
        (Some(s), true) => LogScope::MineAndService(s.clone()),
        _ => LogScope::Mine,
    }
}

/// Special-category fields (ethnicity, languages) are shown to the person alone.
pub fn sees_special_category(caller: &Caller, person_id: &str) -> bool {
    caller.id == person_id
}

/// Why a deactivation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeactivationRefused {
    /// Not the person's training lead or an admin, or an admin by a non-admin (403).
    NotAllowed,
    /// Nobody deactivates themselves (409: it conflicts with being signed in).
    Yourself,
}

/// Only the person's training lead or an admin deactivates a person, an admin only an admin,
/// and never oneself.
pub fn may_deactivate(
    caller: &Caller,
    person_id: &str,
    person_service: Option<&str>,
    person_is_admin: bool,
) -> Result<(), DeactivationRefused> {
    if !can_manage_people_of(caller, person_service) || (person_is_admin && !caller.is_admin()) {
        return Err(DeactivationRefused::NotAllowed);
    }
    if caller.id == person_id {
        return Err(DeactivationRefused::Yourself);
    }
    Ok(())
}

/// A session is logged for oneself, or by a supervisor naming themselves for someone else.
pub fn may_start_log(caller: &Caller, supervisee_id: &str, supervisor_id: &str) -> bool {
    caller.id == supervisee_id || may_record_for_others(caller, supervisor_id)
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
/// Who reads reports, the outbox and the audit trail, as a refusal names them.
pub const LEADS_AND_ADMINS: &str = "the training_lead or admin role";
/// Who lists people, as a refusal names them.
pub const PEOPLE_READERS: &str = "the training_lead, supervisor or admin role";
/// Who manages a service's people and training, as a refusal names them.
pub const SERVICE_MANAGERS: &str =
    "the training_lead role in this person's service, or the admin role";
/// Admins only, as a refusal names them.
pub const ADMINS: &str = "the admin role";

pub fn report_scope(caller: &Caller) -> Option<PeopleScope> {
    audit_scope(caller)
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;

/// The service a report covers: a training lead's own (asking for another answers `None`, a
/// refusal), or for admins the one asked for, if any (`Some(None)`: every service).
pub fn report_service(scope: PeopleScope, asked: Option<String>) -> Option<Option<String>> {
    match (scope, asked) {
        (PeopleScope::Service(mine), Some(asked)) if asked != mine => None,
        (PeopleScope::Service(mine), _) => Some(Some(mine)),
        (PeopleScope::All, asked) => Some(asked),
    }
}
