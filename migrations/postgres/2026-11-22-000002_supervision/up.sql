-- Supervision: the policy compliance is computed from (data a training lead can change), and
-- the supervision logs practitioners keep and supervisors countersign.

CREATE TABLE supervision_policy_rules (
    id TEXT PRIMARY KEY NOT NULL,
    -- a practitioner role code, or 'supervisor' for supervisors' own supervision
    practitioner_role TEXT NOT NULL,
    -- 'trainee', 'qualified', or NULL for both
    stage TEXT,
    supervision_type TEXT NOT NULL,
    min_minutes INTEGER NOT NULL,
    window_days INTEGER NOT NULL,
    -- comma-separated: individual, group
    formats TEXT NOT NULL,
    -- the largest group whose time counts; NULL: any size
    max_group_size INTEGER,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE supervision_logs (
    id TEXT PRIMARY KEY NOT NULL,
    supervisee_id TEXT NOT NULL REFERENCES users (id),
    supervisor_id TEXT NOT NULL REFERENCES users (id),
    held_on DATE NOT NULL,
    duration_minutes INTEGER NOT NULL,
    supervision_type TEXT NOT NULL,
    format TEXT NOT NULL,
    group_size INTEGER,
    cases_discussed INTEGER,
    notes TEXT,
    status TEXT NOT NULL,
    rejection_reason TEXT,
    reviewed_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX supervision_logs_supervisee_idx ON supervision_logs (supervisee_id, held_on);
CREATE INDEX supervision_logs_supervisor_idx ON supervision_logs (supervisor_id, status, id);
CREATE INDEX supervision_logs_status_idx ON supervision_logs (status, id);
CREATE INDEX supervision_logs_held_on_idx ON supervision_logs (held_on);

INSERT INTO supervision_policy_rules
    (id, practitioner_role, stage, supervision_type, min_minutes, window_days, formats, max_group_size, source, position, created_at, updated_at)
VALUES
    ('01934f0a-0000-7000-8000-000000000001', 'pwp', NULL, 'case_management', 60, 7, 'individual', NULL,
     'IAPT Supervision Guidance (2008, updated 2011): individual case management supervision weekly, at least 1 hour full time', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0a-0000-7000-8000-000000000002', 'pwp', NULL, 'clinical_skills', 60, 14, 'individual,group', 6,
     'IAPT Supervision Guidance: clinical skills supervision on average 1 hour a fortnight, may be in a group (group size unconfirmed)', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0a-0000-7000-8000-000000000003', 'cbt_therapist', NULL, 'clinical', 90, 30, 'individual,group', 6,
     'BABCP minimum for accredited practitioners: 1.5 hours a month of individual supervision full time; groups count only of 6 or fewer', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0a-0000-7000-8000-000000000004', 'counsellor', NULL, 'clinical', 90, 30, 'individual,group', NULL,
     'BACP: at least 1.5 hours a month of supervision (qualified CfD figure unconfirmed)', 4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0a-0000-7000-8000-000000000005', 'couple_therapist', NULL, 'clinical', 60, 14, 'individual,group', NULL,
     'Sensible default (figure for qualified CTfD practitioners unconfirmed)', 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0a-0000-7000-8000-000000000006', 'dit_practitioner', NULL, 'clinical', 60, 14, 'individual,group', NULL,
     'Sensible default (figure for qualified DIT practitioners unconfirmed)', 6, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f0a-0000-7000-8000-000000000007', 'ipt_practitioner', NULL, 'clinical', 60, 14, 'individual,group', NULL,
     'Sensible default (figure for qualified IPT practitioners unconfirmed)', 7, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
