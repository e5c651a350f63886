//! Written by hand so one schema serves both backends: UUIDs and JSON are kept in Text.

/// The tables of what the bodies ask all year (issue 16).
#[path = "schema_obligations.rs"]
mod obligations;
pub use obligations::*;

diesel::table! {
    accreditation_bodies (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    modalities (code) {
        code -> Text,
        name -> Text,
        body_code -> Text,
    }
}

diesel::table! {
    practitioner_roles (code) {
        code -> Text,
        name -> Text,
        modality_code -> Text,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        name -> Text,
        provider -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contact_email -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_lower -> Text,
        full_name -> Text,
        password_hash -> Nullable<Text>,
        roles -> Text,
        service_id -> Nullable<Text>,
        practitioner_role -> Nullable<Text>,
        stage -> Nullable<Text>,
        wte -> Nullable<Double>,
        started_on -> Nullable<Date>,
        left_on -> Nullable<Date>,
        active -> Bool,
        ethnicity -> Nullable<Text>,
        languages -> Text,
        specialist_interests -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        esr_assignment_number -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        session_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        throttle_key -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        nonce -> Nullable<Text>,
        purpose -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        service_id -> Nullable<Text>,
        before_value -> Nullable<Text>,
        after_value -> Nullable<Text>,
        seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    credential_kinds (id) {
        id -> Text,
        body_code -> Text,
        code -> Text,
        name -> Text,
        renewal_months -> Integer,
        reminder_offsets -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        renewal -> Text,
        declaration_grace_days -> Nullable<Integer>,
        aligned_with -> Nullable<Text>,
        renewal_source -> Nullable<Text>,
    }
}

diesel::table! {
    cpd_rules (id) {
        id -> Text,
        body_code -> Text,
        credential_kind -> Nullable<Text>,
        min_activities -> Integer,
        reflection_required -> Bool,
        min_cbt_related -> Integer,
        min_cbt_hours -> Double,
        period_months -> Integer,
        source -> Text,
    }
}

diesel::table! {
    courses (id) {
        id -> Text,
        title -> Text,
        provider -> Text,
        modality_code -> Text,
        body_code -> Text,
        kind -> Text,
        accredited_from -> Date,
        accredited_until -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        service_id -> Nullable<Text>,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    supervisor_services (supervisor_id, service_id) {
        supervisor_id -> Text,
        service_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    training_records (id) {
        id -> Text,
        practitioner_id -> Text,
        course_id -> Text,
        status -> Text,
        started_on -> Nullable<Date>,
        completed_on -> Nullable<Date>,
        course_accredited_at_completion -> Nullable<Bool>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accreditations (id) {
        id -> Text,
        practitioner_id -> Text,
        body_code -> Text,
        kind -> Text,
        membership_number -> Text,
        valid_from -> Date,
        expires_on -> Date,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        verification_method -> Nullable<Text>,
        verification_reference -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cpd_activities (id) {
        id -> Text,
        practitioner_id -> Text,
        title -> Text,
        held_on -> Date,
        hours -> Double,
        category -> Text,
        cbt_related -> Bool,
        reflective_statement -> Nullable<Text>,
        course_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    required_courses (id) {
        id -> Text,
        service_id -> Text,
        course_id -> Text,
        practitioner_role -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    competency_frameworks (id) {
        id -> Text,
        code -> Text,
        title -> Text,
        description -> Text,
        source -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    competencies (id) {
        id -> Text,
        framework_id -> Text,
        code -> Text,
        domain -> Text,
        title -> Text,
        description -> Text,
        modality_code -> Nullable<Text>,
        retired_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    competency_assessments (id) {
        id -> Text,
        practitioner_id -> Text,
        competency_id -> Text,
        outcome -> Text,
        evidence -> Text,
        evidence_method -> Text,
        assessed_by -> Text,
        assessed_on -> Date,
        review_due_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    framework_assessors (id) {
        id -> Text,
        framework_id -> Text,
        user_id -> Text,
        named_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Text,
        recipient_id -> Text,
        recipient_email -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        invitation_id -> Nullable<Text>,
        list_unsubscribe -> Nullable<Text>,
        digest -> Nullable<Text>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        recipient_id -> Text,
        dedupe_key -> Text,
        kind -> Text,
        urgent -> Bool,
        subject_id -> Nullable<Text>,
        summary -> Text,
        due_on -> Nullable<Date>,
        delivery_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notification_preferences (user_id) {
        user_id -> Text,
        disabled_kinds -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(notifications -> deliveries (delivery_id));
diesel::joinable!(competencies -> competency_frameworks (framework_id));
diesel::joinable!(competency_assessments -> competencies (competency_id));
diesel::joinable!(training_records -> courses (course_id));
diesel::joinable!(required_courses -> courses (course_id));

diesel::joinable!(modalities -> accreditation_bodies (body_code));
diesel::joinable!(practitioner_roles -> modalities (modality_code));
diesel::joinable!(users -> services (service_id));
diesel::joinable!(users -> practitioner_roles (practitioner_role));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(deliveries -> invitations (invitation_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(web_sessions -> sessions (session_id));
diesel::joinable!(invitations -> users (user_id));

diesel::table! {
    person_interests (user_id, interest) {
        user_id -> Text,
        interest -> Text,
    }
}

diesel::table! {
    calendar_feeds (user_id) {
        user_id -> Text,
        nonce -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(person_interests -> users (user_id));
diesel::joinable!(calendar_feeds -> users (user_id));
diesel::table! {
    external_supervisors (user_id) {
        user_id -> Text,
        body_code -> Text,
        registration_number -> Text,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        verification_method -> Nullable<Text>,
        verification_reference -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sign_off_link_logs (link_id, log_id) {
        link_id -> Text,
        log_id -> Text,
    }
}

diesel::joinable!(sign_off_link_logs -> invitations (link_id));
diesel::joinable!(sign_off_link_logs -> supervision_logs (log_id));
diesel::joinable!(external_supervisors -> accreditation_bodies (body_code));
diesel::joinable!(external_supervisors -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    live_assessment_interventions,
    live_assessment_rules,
    live_assessments,
    accreditation_declarations,
    leaves_of_absence,
    body_audit_rules,
    body_audits,
    reminder_thresholds,
    supervisor_requirements,
    external_supervisors,
    sign_off_link_logs,
    person_interests,
    calendar_feeds,
    accreditation_bodies,
    modalities,
    practitioner_roles,
    services,
    users,
    sessions,
    web_sessions,
    refresh_tokens,
    login_failures,
    invitations,
    audit_events,
    supervision_policy_rules,
    supervisor_services,
    user_roles,
    supervision_logs,
    credential_kinds,
    cpd_rules,
    courses,
    training_records,
    accreditations,
    cpd_activities,
    required_courses,
    competency_frameworks,
    competencies,
    competency_assessments,
    framework_assessors,
    deliveries,
    notifications,
    notification_preferences,
);

diesel::table! {
    supervision_policy_rules (id) {
        id -> Text,
        practitioner_role -> Text,
        stage -> Nullable<Text>,
        supervision_type -> Text,
        min_minutes -> Integer,
        window_days -> Integer,
        formats -> Text,
        max_group_size -> Nullable<Integer>,
        source -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        service_id -> Nullable<Text>,
        group_counting -> Text,
    }
}

diesel::table! {
    supervision_logs (id) {
        id -> Text,
        supervisee_id -> Text,
        supervisor_id -> Text,
        held_on -> Date,
        duration_minutes -> Integer,
        supervision_type -> Text,
        format -> Text,
        group_size -> Nullable<Integer>,
        cases_discussed -> Nullable<Integer>,
        notes -> Nullable<Text>,
        status -> Text,
        rejection_reason -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}
