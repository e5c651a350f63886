-- Competence frameworks, their competences, assessments (sign-offs), first assessors, and the
-- supervisors' own supervision as a policy row.

CREATE TABLE competency_frameworks (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX competency_frameworks_code_key ON competency_frameworks (code);

CREATE TABLE competencies (
    id TEXT PRIMARY KEY NOT NULL,
    framework_id TEXT NOT NULL REFERENCES competency_frameworks (id),
    code TEXT NOT NULL,
    -- generic, specific, application, meta (or a framework's own)
    domain TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- for an application competence: the modality it applies supervision to
    modality_code TEXT REFERENCES modalities (code),
    retired_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX competencies_code_key ON competencies (framework_id, code);
CREATE INDEX competencies_modality_idx ON competencies (modality_code);

CREATE TABLE competency_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    practitioner_id TEXT NOT NULL REFERENCES users (id),
    competency_id TEXT NOT NULL REFERENCES competencies (id),
    outcome TEXT NOT NULL,
    evidence TEXT NOT NULL,
    evidence_method TEXT NOT NULL,
    assessed_by TEXT NOT NULL REFERENCES users (id),
    assessed_on DATE NOT NULL,
    review_due_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX competency_assessments_person_idx ON competency_assessments (practitioner_id, competency_id, id);
CREATE INDEX competency_assessments_competency_idx ON competency_assessments (competency_id);
CREATE INDEX competency_assessments_review_idx ON competency_assessments (review_due_on);

-- People an admin names to assess a framework before anyone holds its competences.
CREATE TABLE framework_assessors (
    id TEXT PRIMARY KEY NOT NULL,
    framework_id TEXT NOT NULL REFERENCES competency_frameworks (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    named_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX framework_assessors_key ON framework_assessors (framework_id, user_id);

INSERT INTO competency_frameworks (id, code, title, description, source, created_at, updated_at) VALUES
    ('01934f0d-0000-7000-8000-000000000001', 'supervision', 'Supervision of psychological therapies',
     'The competences a supervisor needs, in four domains: generic, specific, applications to a model or context, and metacompetences.',
     'Roth and Pilling, competence framework for the supervision of psychological therapies (UCL CORE; commissioned for IAPT 2007, partly revised 2015)',
     CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

INSERT INTO competencies (id, framework_id, code, domain, title, description, modality_code, retired_at, created_at, updated_at) VALUES
    ('01934f0e-0000-7000-8000-000000000001', '01934f0d-0000-7000-8000-000000000001', 'G1', 'generic', 'Supervisory alliance', 'Builds and keeps a working alliance with the supervisee.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000002', '01934f0d-0000-7000-8000-000000000001', 'G2', 'generic', 'Helping learning', 'Uses educational principles that help the supervisee learn.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000003', '01934f0d-0000-7000-8000-000000000001', 'G3', 'generic', 'Gauging competence', 'Judges the level of the supervisee''s competence and works at it.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000004', '01934f0d-0000-7000-8000-000000000001', 'G4', 'generic', 'Giving feedback', 'Gives feedback that is clear, specific and usable.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000005', '01934f0d-0000-7000-8000-000000000001', 'S1', 'specific', 'Helping reflection', 'Helps the supervisee reflect on their own work and on supervision.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000006', '01934f0d-0000-7000-8000-000000000001', 'S2', 'specific', 'Observing practice', 'Uses direct observation and recordings of the supervisee''s practice.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000007', '01934f0d-0000-7000-8000-000000000001', 'S3', 'specific', 'Using measures', 'Uses process and outcome data to guide supervision.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000008', '01934f0d-0000-7000-8000-000000000001', 'S4', 'specific', 'Risk and caseload', 'Helps the supervisee manage risk and the size of their caseload.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000009', '01934f0d-0000-7000-8000-000000000001', 'A-LI', 'application', 'Supervising low-intensity work', 'Applies supervision to PWPs'' low-intensity CBT: case management and clinical skills.', 'li_cbt', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-00000000000a', '01934f0d-0000-7000-8000-000000000001', 'A-CBT', 'application', 'Supervising CBT', 'Applies supervision to high-intensity cognitive behavioural therapy.', 'cbt', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-00000000000b', '01934f0d-0000-7000-8000-000000000001', 'A-CFD', 'application', 'Supervising Counselling for Depression', 'Applies supervision to Counselling for Depression.', 'cfd', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-00000000000c', '01934f0d-0000-7000-8000-000000000001', 'A-CTFD', 'application', 'Supervising Couple Therapy for Depression', 'Applies supervision to Couple Therapy for Depression.', 'ctfd', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-00000000000d', '01934f0d-0000-7000-8000-000000000001', 'A-DIT', 'application', 'Supervising DIT', 'Applies supervision to Dynamic Interpersonal Therapy.', 'dit', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-00000000000e', '01934f0d-0000-7000-8000-000000000001', 'A-IPT', 'application', 'Supervising IPT', 'Applies supervision to Interpersonal Psychotherapy.', 'ipt', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-00000000000f', '01934f0d-0000-7000-8000-000000000001', 'M1', 'meta', 'Judgement', 'Judges when and how to apply the other competences.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000010', '01934f0d-0000-7000-8000-000000000001', 'M2', 'meta', 'Falling below standard', 'Acts when a supervisee''s competence or ethics fall below standard.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0e-0000-7000-8000-000000000011', '01934f0d-0000-7000-8000-000000000001', 'M3', 'meta', 'Mentor and evaluator', 'Balances the supportive and the evaluative parts of the role.', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

INSERT INTO supervision_policy_rules
    (id, practitioner_role, stage, supervision_type, min_minutes, window_days, formats, max_group_size, source, position, created_at, updated_at)
VALUES
    ('01934f0a-0000-7000-8000-000000000008', 'supervisor', NULL, 'supervision_of_supervision', 60, 30, 'individual,group', NULL,
     'BABCP accredited supervisors: supervision of their supervision, 1 hour a month (or 5% of supervisory caseload)', 8, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
