-- Accreditation: the credentials each body grants (as data), CPD rules, accredited courses,
-- training records, practitioners' accreditations and CPD, and courses a service requires.

CREATE TABLE credential_kinds (
    id TEXT PRIMARY KEY NOT NULL,
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    renewal_months INTEGER NOT NULL,
    -- days before expiry on which reminders go out, comma-separated
    reminder_offsets TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX credential_kinds_body_code_key ON credential_kinds (body_code, code);

-- CPD a body asks for over the months before a credential's renewal (kind NULL: all its kinds).
CREATE TABLE cpd_rules (
    id TEXT PRIMARY KEY NOT NULL,
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code),
    credential_kind TEXT,
    min_activities INTEGER NOT NULL,
    reflection_required BOOLEAN NOT NULL,
    min_cbt_related INTEGER NOT NULL,
    min_cbt_hours DOUBLE PRECISION NOT NULL,
    period_months INTEGER NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX cpd_rules_body_idx ON cpd_rules (body_code);

CREATE TABLE courses (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    provider TEXT NOT NULL,
    modality_code TEXT NOT NULL REFERENCES modalities (code),
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code),
    kind TEXT NOT NULL,
    accredited_from DATE NOT NULL,
    accredited_until DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX courses_modality_idx ON courses (modality_code, id);
CREATE INDEX courses_body_idx ON courses (body_code, id);
CREATE INDEX courses_kind_idx ON courses (kind, id);
CREATE INDEX courses_until_idx ON courses (accredited_until);

CREATE TABLE training_records (
    id TEXT PRIMARY KEY NOT NULL,
    practitioner_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    status TEXT NOT NULL,
    started_on DATE,
    completed_on DATE,
    course_accredited_at_completion BOOLEAN,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX training_records_practitioner_idx ON training_records (practitioner_id, id);
CREATE INDEX training_records_course_idx ON training_records (course_id, status);

CREATE TABLE accreditations (
    id TEXT PRIMARY KEY NOT NULL,
    practitioner_id TEXT NOT NULL REFERENCES users (id),
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code),
    kind TEXT NOT NULL,
    membership_number TEXT NOT NULL,
    valid_from DATE NOT NULL,
    expires_on DATE NOT NULL,
    verified_by TEXT REFERENCES users (id),
    verified_at TIMESTAMP,
    verification_method TEXT,
    verification_reference TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX accreditations_practitioner_idx ON accreditations (practitioner_id, id);
CREATE INDEX accreditations_membership_idx ON accreditations (body_code, membership_number);
CREATE INDEX accreditations_kind_idx ON accreditations (body_code, kind);
CREATE INDEX accreditations_expires_idx ON accreditations (expires_on);

CREATE TABLE cpd_activities (
    id TEXT PRIMARY KEY NOT NULL,
    practitioner_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    hours DOUBLE PRECISION NOT NULL,
    category TEXT NOT NULL,
    cbt_related BOOLEAN NOT NULL,
    reflective_statement TEXT,
    course_id TEXT REFERENCES courses (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cpd_activities_practitioner_idx ON cpd_activities (practitioner_id, held_on);

INSERT INTO credential_kinds (id, body_code, code, name, renewal_months, reminder_offsets, created_at, updated_at) VALUES
    ('01934f0b-0000-7000-8000-000000000001', 'BPS', 'wpw_register', 'Wider Psychological Workforce register (PWP)', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-000000000002', 'BABCP', 'pwp_register', 'PWP register', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-000000000003', 'BABCP', 'provisional_accreditation', 'Provisional accreditation', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-000000000004', 'BABCP', 'accredited_practitioner', 'Accredited practitioner', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-000000000005', 'BABCP', 'accredited_supervisor', 'Accredited supervisor', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-000000000006', 'BACP', 'registered_member', 'Registered member', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-000000000007', 'BACP', 'accredited_member', 'Accredited member', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-000000000008', 'BPC', 'dit_practitioner', 'DIT practitioner', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-000000000009', 'BPC', 'dit_supervisor', 'Approved DIT supervisor', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-00000000000a', 'IPTUK', 'practitioner', 'IPT practitioner', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-00000000000b', 'IPTUK', 'supervisor', 'IPT supervisor', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0b-0000-7000-8000-00000000000c', 'IPTUK', 'trainer', 'IPT trainer', 12, '60,30,7', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

INSERT INTO cpd_rules (id, body_code, credential_kind, min_activities, reflection_required, min_cbt_related, min_cbt_hours, period_months, source) VALUES
    ('01934f0c-0000-7000-8000-000000000001', 'BABCP', NULL, 5, TRUE, 0, 6, 12,
     'BABCP: at least 5 CPD activities a year with reflective statements, including 6 hours of CBT skills'),
    ('01934f0c-0000-7000-8000-000000000002', 'BPS', 'wpw_register', 5, TRUE, 3, 0, 12,
     'BPS Wider Psychological Workforce register: at least 5 activities a year with reflective statements, 3 of them CBT-related');
