//! Every rule of `policy.rs`, tested for refusal and for success.
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

fn caller_in_s(roles: &[Role]) -> Caller {
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
    let admin = caller_in_s(&[Role::Admin]);
    let t = Touches {
        special_category: true,
        ..Touches::default()
    };
    assert!(!may_patch(&admin, false, true, true, t));
    assert!(may_patch(
        &caller_in_s(&[Role::Practitioner]),
        true,
        false,
        false,
        t
    ));
}

#[test]
fn a_practitioner_cannot_change_their_own_staff_record() {
    let p = caller_in_s(&[Role::Practitioner]);
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
    let tl = caller_in_s(&[Role::TrainingLead]);
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
fn who_may_assess() {
    let tl = caller(&[Role::TrainingLead], Some("s1"));
    assert!(
        may_assess(&tl, "me", Some("s1"), true, true).is_some(),
        "never oneself"
    );
    assert!(may_assess(&tl, "p", Some("s1"), false, false).is_none());
    assert!(may_assess(&tl, "p", Some("s2"), false, false).is_some());
    let sup = caller(&[Role::Supervisor], Some("s1"));
    assert!(may_assess(&sup, "p", Some("s1"), true, false).is_none());
    assert!(may_assess(&sup, "p", Some("s1"), false, false).is_some());
    let p = caller(&[Role::Practitioner], Some("s1"));
    assert!(may_assess(&p, "x", Some("s1"), false, true).is_none());
    assert!(
        may_assess(&p, "x", Some("s1"), true, false).is_some(),
        "a practitioner does not assess"
    );
}

#[test]
fn records_of_a_person_by_need() {
    let p = caller(&[Role::Practitioner], Some("s1"));
    assert_eq!(
        person_records(&p, "me", Some("s1"), Access::Owner),
        Decision::Allowed
    );
    assert_eq!(
        person_records(&p, "other", Some("s1"), Access::Read),
        Decision::Hidden
    );
    assert!(matches!(
        person_records(&p, "me", Some("s1"), Access::Manager),
        Decision::Forbidden(_)
    ));
    let tl = caller(&[Role::TrainingLead], Some("s1"));
    assert!(matches!(
        person_records(&tl, "p", Some("s1"), Access::Owner),
        Decision::Forbidden(_)
    ));
    assert_eq!(
        person_records(&tl, "p", Some("s1"), Access::ManagerNotOwner),
        Decision::Allowed
    );
    assert!(matches!(
        person_records(&tl, "me", Some("s1"), Access::ManagerNotOwner),
        Decision::Forbidden(_)
    ));
    assert_eq!(
        person_records(&tl, "p", Some("s2"), Access::Read),
        Decision::Hidden
    );
}

#[test]
fn logs_competences_and_deactivation() {
    let sup = caller(&[Role::Supervisor], Some("s1"));
    assert!(can_view_competences(&sup, "p", Some("s1")));
    assert!(!can_view_competences(&sup, "p", Some("s2")));
    assert!(could_be_named(&sup));
    assert!(may_record_for_others(&sup, "me"));
    assert!(!may_record_for_others(&sup, "other"));
    assert!(can_change_log(&sup, "me") && !can_change_log(&sup, "x"));
    assert!(can_review_log(&sup, "me") && !can_review_log(&sup, "x"));
    assert_eq!(log_scope(&sup), LogScope::Mine);
    let tl = caller(&[Role::TrainingLead], Some("s1"));
    assert_eq!(log_scope(&tl), LogScope::MineAndService("s1".into()));
    assert_eq!(log_scope(&caller(&[Role::Admin], None)), LogScope::All);
    assert!(sees_special_category(&tl, "me") && !sees_special_category(&tl, "p"));
    assert!(may_deactivate(&tl, "p", Some("s1"), false).is_ok());
    assert!(may_deactivate(&tl, "p", Some("s1"), true).is_err());
    assert_eq!(
        may_deactivate(&tl, "me", Some("s1"), false),
        Err(DeactivationRefused::Yourself)
    );
    assert!(may_start_log(&tl, "me", "sup") && !may_start_log(&tl, "p", "sup"));
    assert!(may_deactivate(&tl, "p", Some("s2"), false).is_err());
}

#[test]
fn an_admin_may_do_everything() {
    let a = caller(&[Role::Admin], None);
    assert!(can_manage_people_of(&a, Some("any")));
    assert!(can_grant(&a, &[Role::Admin]));
    assert_eq!(audit_scope(&a), Some(PeopleScope::All));
}

#[test]
fn a_lead_reports_on_their_own_service_only() {
    let mine = || PeopleScope::Service("s1".into());
    assert_eq!(report_service(mine(), Some("s2".into())), None);
    assert_eq!(report_service(mine(), None), Some(Some("s1".into())));
    assert_eq!(
        report_service(mine(), Some("s1".into())),
        Some(Some("s1".into()))
    );
    assert_eq!(report_service(PeopleScope::All, None), Some(None));
    assert_eq!(
        report_service(PeopleScope::All, Some("s2".into())),
        Some(Some("s2".into()))
    );
}

#[test]
fn metrics_are_read_as_configured() {
    use MetricsAccess::{Off, Open, Token};
    let t = Some("a-metrics-token-16");
    assert_eq!(metrics_access(Off, t, t), MetricsDecision::Off);
    assert_eq!(metrics_access(Open, None, None), MetricsDecision::Allowed);
    assert_eq!(metrics_access(Token, t, t), MetricsDecision::Allowed);
    assert_eq!(metrics_access(Token, t, None), MetricsDecision::NeedsToken);
    assert_eq!(
        metrics_access(Token, t, Some("a-metrics-token-17")),
        MetricsDecision::NeedsToken
    );
    assert_eq!(
        metrics_access(Token, t, Some("a-metrics")),
        MetricsDecision::NeedsToken
    );
    assert_eq!(
        metrics_access(Token, None, Some("")),
        MetricsDecision::NeedsToken
    );
}

#[test]
fn an_emailed_link_decides_only_the_logs_it_names() {
    let named = vec!["log-1".to_string(), "log-2".to_string()];
    assert!(link_covers(&named, "log-2"));
    assert!(!link_covers(&named, "log-3"));
    assert!(!link_covers(&[], "log-1"));
}

#[test]
fn external_supervisors_are_seen_within_their_service() {
    let pwp = caller(&[Role::Practitioner], Some("s1"));
    assert_eq!(
        external_scope(&pwp),
        Some(PeopleScope::Service("s1".into()))
    );
    let admin = caller(&[Role::Admin], None);
    assert_eq!(external_scope(&admin), Some(PeopleScope::All));
    let nobody = caller(&[Role::Practitioner], None);
    assert_eq!(external_scope(&nobody), None);
}

#[test]
fn imports_go_to_the_leads_own_service_and_anywhere_for_admins() {
    let lead = Importer::Person(caller(&[Role::TrainingLead], Some("s1")));
    let admin = Importer::Person(caller(&[Role::Admin], None));
    let supervisor = Importer::Person(caller(&[Role::Supervisor], Some("s1")));
    let lead_without_service = Importer::Person(caller(&[Role::TrainingLead], None));
    assert!(may_import(&lead) && may_import(&admin) && may_import(&Importer::Operator));
    assert!(!may_import(&supervisor));
    assert!(!may_import(&lead_without_service));
    assert!(may_import_into(&lead, Some("s1")));
    assert!(!may_import_into(&lead, Some("s2")));
    assert!(!may_import_into(&lead, None));
    assert!(may_import_into(&admin, Some("s2")));
    assert!(may_import_into(&Importer::Operator, Some("s2")));
    assert_eq!(lead.home_service(), Some("s1"));
    assert_eq!(admin.home_service(), None);
    assert_eq!(lead.actor_id(), Some("me"));
    assert_eq!(Importer::Operator.actor_id(), None);
}

#[test]
fn only_an_admin_imports_the_admin_role() {
    let lead = Importer::Person(caller(&[Role::TrainingLead], Some("s1")));
    let admin = Importer::Person(caller(&[Role::Admin], None));
    assert!(!may_import_roles(&lead, &[Role::Admin]));
    assert!(may_import_roles(
        &lead,
        &[Role::Supervisor, Role::Practitioner]
    ));
    assert!(may_import_roles(&admin, &[Role::Admin]));
    assert!(may_import_roles(&Importer::Operator, &[Role::Admin]));
}
