-- What the bodies ask of practitioners all year round (issue 16): PWP live assessments of
-- practice, annual declarations and leaves of absence, bodies' random audits, how group
-- supervision counts, and the reminder thresholds, each figure as data with its source.

-- Low-intensity interventions a live assessment is rated on (an admin adds more).
CREATE TABLE live_assessment_interventions (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO live_assessment_interventions (code, name, position, created_at, updated_at) VALUES
    ('behavioural_activation', 'Behavioural activation', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('cognitive_restructuring', 'Cognitive restructuring', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('exposure', 'Exposure', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('guided_self_help_panic', 'Guided self-help for panic', 4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('problem_solving', 'Problem solving', 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('sleep_management', 'Sleep management', 6, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('worry_management', 'Worry management', 7, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('medication_support', 'Medication support', 8, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('assessment', 'Patient-centred assessment', 9, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

-- How many live assessments a body asks of a role, on how many different interventions, in
-- how many days.
CREATE TABLE live_assessment_rules (
    id TEXT PRIMARY KEY NOT NULL,
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code),
    practitioner_role TEXT NOT NULL,
    min_assessments INTEGER NOT NULL,
    min_interventions INTEGER NOT NULL,
    window_days INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX live_assessment_rules_key ON live_assessment_rules (body_code, practitioner_role);
INSERT INTO live_assessment_rules (id, body_code, practitioner_role, min_assessments, min_interventions, window_days, source, created_at, updated_at) VALUES
    ('01934f10-0000-7000-8000-000000000001', 'BPS', 'pwp', 2, 2, 365,
     'BPS Wider Psychological Workforce register: at least 2 live assessments of practice a year covering 2 different interventions (bps.org.uk wider-psychological-workforce)', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('01934f10-0000-7000-8000-000000000002', 'BABCP', 'pwp', 2, 2, 365,
     'BABCP PWP register: at least 2 live assessments of practice a year covering 2 different interventions (babcp.com Wellbeing-Registrations)', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

CREATE TABLE live_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    practitioner_id TEXT NOT NULL REFERENCES users (id),
    assessor_id TEXT NOT NULL REFERENCES users (id),
    assessed_on DATE NOT NULL,
    intervention TEXT REFERENCES live_assessment_interventions (code),
    outcome TEXT,
    tool TEXT NOT NULL,
    notes TEXT,
    not_possible_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((outcome IS NULL) <> (not_possible_reason IS NULL))
);
CREATE INDEX live_assessments_person_idx ON live_assessments (practitioner_id, assessed_on);

-- How each credential kind renews: a fixed expiry date, or an annual declaration on the
-- anniversary with a grace period after it; `aligned_with` names the same body's kind whose
-- declaration date this one shares.
ALTER TABLE credential_kinds ADD COLUMN renewal TEXT NOT NULL DEFAULT 'fixed_expiry';
ALTER TABLE credential_kinds ADD COLUMN declaration_grace_days INTEGER;
ALTER TABLE credential_kinds ADD COLUMN aligned_with TEXT;
ALTER TABLE credential_kinds ADD COLUMN renewal_source TEXT;
UPDATE credential_kinds SET renewal = 'annual_declaration', declaration_grace_days = 28,
    renewal_source = 'BABCP since 2017/18: an annual online declaration on the accreditation anniversary; the body reminds at least a month before, and with no declaration 28 days after its reminder the accreditation lapses (babcp.com Accreditation pages)'
    WHERE body_code = 'BABCP' AND code IN ('accredited_practitioner', 'accredited_supervisor', 'provisional_accreditation');
UPDATE credential_kinds SET renewal = 'annual_declaration', declaration_grace_days = 28,
    renewal_source = 'BABCP PWP register: an annual declaration of supervision and CPD (babcp.com Wellbeing-Registrations); grace as for BABCP accreditation'
    WHERE body_code = 'BABCP' AND code = 'pwp_register';
UPDATE credential_kinds SET aligned_with = 'accredited_practitioner'
    WHERE body_code = 'BABCP' AND code = 'accredited_supervisor';

CREATE TABLE accreditation_declarations (
    id TEXT PRIMARY KEY NOT NULL,
    accreditation_id TEXT NOT NULL REFERENCES accreditations (id),
    declared_on DATE NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    verified_by TEXT REFERENCES users (id),
    verified_at TIMESTAMP,
    verification_method TEXT,
    verification_reference TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX accreditation_declarations_idx ON accreditation_declarations (accreditation_id, declared_on);

CREATE TABLE leaves_of_absence (
    id TEXT PRIMARY KEY NOT NULL,
    accreditation_id TEXT NOT NULL REFERENCES accreditations (id),
    practitioner_id TEXT NOT NULL REFERENCES users (id),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    reason TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX leaves_of_absence_person_idx ON leaves_of_absence (practitioner_id, starts_on);
CREATE INDEX leaves_of_absence_accreditation_idx ON leaves_of_absence (accreditation_id);

-- A body's random audit: how long it gives to respond, the months it covers, and the days
-- before the deadline on which reminders go out.
CREATE TABLE body_audit_rules (
    body_code TEXT PRIMARY KEY NOT NULL REFERENCES accreditation_bodies (code),
    response_days INTEGER NOT NULL,
    period_months INTEGER NOT NULL,
    reminder_offsets TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO body_audit_rules (body_code, response_days, period_months, reminder_offsets, source, created_at, updated_at) VALUES
    ('BABCP', 70, 12, '28,14,7',
     'BABCP practitioner audit: 10 weeks to send a supervision log, CPD statements and references, covering the previous 12 months (babcp.com Reaccreditation-Audit; older page versions give 6 weeks)', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('BACP', 42, 12, '21,7,2',
     'BACP register audit: 6 weeks to send 12 months of supervision and CPD records and insurance (bacp.co.uk guide-to-audit)', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

CREATE TABLE body_audits (
    id TEXT PRIMARY KEY NOT NULL,
    practitioner_id TEXT NOT NULL REFERENCES users (id),
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code),
    requested_on DATE NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    submitted_on DATE,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX body_audits_person_idx ON body_audits (practitioner_id, requested_on);
CREATE INDEX body_audits_status_idx ON body_audits (status, due_on);

-- How a rule counts group time: in full; in full up to its largest group (the rule until now);
-- as individual-equivalent time (minutes / supervisees x 2); or BACP's rule for accreditation.
ALTER TABLE supervision_policy_rules ADD COLUMN group_counting TEXT NOT NULL DEFAULT 'up_to_size';

-- What an accredited supervisor owes: supervision given in a window, and supervision of their
-- supervision received (a share of what they gave, or so many minutes a month).
CREATE TABLE supervisor_requirements (
    id TEXT PRIMARY KEY NOT NULL,
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code),
    credential_kind TEXT NOT NULL,
    min_given_minutes INTEGER NOT NULL,
    window_days INTEGER NOT NULL,
    sos_percent INTEGER NOT NULL,
    sos_minutes_per_month INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX supervisor_requirements_key ON supervisor_requirements (body_code, credential_kind);
INSERT INTO supervisor_requirements (id, body_code, credential_kind, min_given_minutes, window_days, sos_percent, sos_minutes_per_month, source, created_at, updated_at) VALUES
    ('01934f11-0000-7000-8000-000000000001', 'BABCP', 'accredited_supervisor', 1200, 365, 5, 60,
     'BABCP accredited supervisors: at least 20 hours a year supervising CBT, and supervision of their supervision (5% of supervisory caseload or 1 hour a month) (babcp.com Accreditation pages)', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

-- Reminder thresholds an admin edits, each with its source or "local choice".
CREATE TABLE reminder_thresholds (
    key TEXT PRIMARY KEY NOT NULL,
    days INTEGER NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO reminder_thresholds (key, days, source, updated_at) VALUES
    ('escalate_after_days', 7, 'local choice: the supervisor and the lead are told after 7 days overdue', CURRENT_TIMESTAMP),
    ('sign_off_wait_days', 7, 'local choice: a supervisor is reminded of a log waiting 7 days for sign-off', CURRENT_TIMESTAMP),
    ('course_notice_days', 90, 'local choice: a course''s accreditation end is announced 90 days ahead', CURRENT_TIMESTAMP),
    ('cpd_notice_days', 60, 'local choice: CPD short of a renewal''s rule is announced 60 days ahead', CURRENT_TIMESTAMP),
    ('live_assessment_notice_days', 30, 'local choice: a live assessment falling due is announced 30 days ahead', CURRENT_TIMESTAMP),
    ('declaration_opens_days', 90, 'local choice: a declaration made up to 90 days before the anniversary counts for it (BABCP invites at least a month before)', CURRENT_TIMESTAMP);
