-- Foundation: reference data, services, people and their logins, sessions, throttling, audit.
-- Kept in step with the other backend's tree (same version name; a test checks it).

CREATE TABLE accreditation_bodies (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE modalities (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code)
);

CREATE TABLE practitioner_roles (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    modality_code TEXT NOT NULL REFERENCES modalities (code)
);

CREATE TABLE services (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    provider TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    full_name TEXT NOT NULL,
    password_hash TEXT,
    roles TEXT NOT NULL,
    service_id TEXT REFERENCES services (id),
    practitioner_role TEXT REFERENCES practitioner_roles (code),
    stage TEXT,
    wte REAL,
    started_on DATE,
    active BOOLEAN NOT NULL,
    ethnicity TEXT,
    languages TEXT NOT NULL,
    specialist_interests TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email_lower_key ON users (email_lower);
CREATE INDEX users_service_id_idx ON users (service_id, id);
CREATE INDEX users_practitioner_role_idx ON users (practitioner_role, id);

-- A login session: one refresh-token family. Access tokens name it, so logout ends them too.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    token_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

-- Failed logins, per account ("account:<email>") and per client address ("addr:<ip>").
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY NOT NULL,
    throttle_key TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key_at_idx ON login_failures (throttle_key, at);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX invitations_token_hash_key ON invitations (token_hash);
CREATE INDEX invitations_user_id_idx ON invitations (user_id);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    -- the service the record belongs to, so a training lead sees their service's history
    service_id TEXT,
    before_value TEXT,
    after_value TEXT
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_service_idx ON audit_events (service_id, id);

INSERT INTO accreditation_bodies (code, name) VALUES
    ('BPS', 'British Psychological Society'),
    ('BABCP', 'British Association for Behavioural and Cognitive Psychotherapies'),
    ('BACP', 'British Association for Counselling and Psychotherapy'),
    ('BPC', 'British Psychoanalytic Council'),
    ('IPTUK', 'Interpersonal Psychotherapy UK');

INSERT INTO modalities (code, name, body_code) VALUES
    ('li_cbt', 'Low-intensity CBT (Psychological Wellbeing Practitioner)', 'BPS'),
    ('cbt', 'High-intensity Cognitive Behavioural Therapy', 'BABCP'),
    ('cfd', 'Counselling for Depression', 'BACP'),
    ('ctfd', 'Couple Therapy for Depression', 'BABCP'),
    ('dit', 'Dynamic Interpersonal Therapy', 'BPC'),
    ('ipt', 'Interpersonal Psychotherapy', 'IPTUK');

INSERT INTO practitioner_roles (code, name, modality_code) VALUES
    ('pwp', 'Psychological Wellbeing Practitioner', 'li_cbt'),
    ('cbt_therapist', 'CBT therapist', 'cbt'),
    ('counsellor', 'Counsellor (Counselling for Depression)', 'cfd'),
    ('couple_therapist', 'Couple therapist (Couple Therapy for Depression)', 'ctfd'),
    ('dit_practitioner', 'Dynamic Interpersonal Therapy practitioner', 'dit'),
    ('ipt_practitioner', 'Interpersonal Psychotherapy practitioner', 'ipt');
