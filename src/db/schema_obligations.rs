//! The tables of live assessments, declarations and leave, bodies' audits, supervisor
//! requirements and reminder thresholds.

diesel::table! {
    live_assessment_interventions (code) {
        code -> Text,
        name -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    live_assessment_rules (id) {
        id -> Text,
        body_code -> Text,
        practitioner_role -> Text,
        min_assessments -> Integer,
        min_interventions -> Integer,
        window_days -> Integer,
        source -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    live_assessments (id) {
        id -> Text,
        practitioner_id -> Text,
        assessor_id -> Text,
        assessed_on -> Date,
        intervention -> Nullable<Text>,
        outcome -> Nullable<Text>,
        tool -> Text,
        notes -> Nullable<Text>,
        not_possible_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accreditation_declarations (id) {
        id -> Text,
        accreditation_id -> Text,
        declared_on -> Date,
        recorded_by -> Text,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        verification_method -> Nullable<Text>,
        verification_reference -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    leaves_of_absence (id) {
        id -> Text,
        accreditation_id -> Text,
        practitioner_id -> Text,
        starts_on -> Date,
        ends_on -> Date,
        reason -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    body_audit_rules (body_code) {
        body_code -> Text,
        response_days -> Integer,
        period_months -> Integer,
        reminder_offsets -> Text,
        source -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    body_audits (id) {
        id -> Text,
        practitioner_id -> Text,
        body_code -> Text,
        requested_on -> Date,
        due_on -> Date,
        status -> Text,
        submitted_on -> Nullable<Date>,
        recorded_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    supervisor_requirements (id) {
        id -> Text,
        body_code -> Text,
        credential_kind -> Text,
        min_given_minutes -> Integer,
        window_days -> Integer,
        sos_percent -> Integer,
        sos_minutes_per_month -> Integer,
        source -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reminder_thresholds (key) {
        key -> Text,
        days -> Integer,
        source -> Text,
        updated_at -> Timestamp,
    }
}
