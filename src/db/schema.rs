//! Written by hand so one schema serves both backends: UUIDs and JSON are kept in Text.

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
        active -> Bool,
        ethnicity -> Nullable<Text>,
        languages -> Text,
        specialist_interests -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
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
    }
}

diesel::joinable!(modalities -> accreditation_bodies (body_code));
diesel::joinable!(practitioner_roles -> modalities (modality_code));
diesel::joinable!(users -> services (service_id));
diesel::joinable!(users -> practitioner_roles (practitioner_role));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(invitations -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    accreditation_bodies,
    modalities,
    practitioner_roles,
    services,
    users,
    sessions,
    refresh_tokens,
    login_failures,
    invitations,
    audit_events,
    supervision_policy_rules,
    supervision_logs,
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
