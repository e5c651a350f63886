-- A supervisor from outside the service (often a counsellor's): a person without a password or
-- a practitioner role, who countersigns through emailed links; their body and registration
-- number are checked like a credential's.
CREATE TABLE external_supervisors (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    body_code TEXT NOT NULL REFERENCES accreditation_bodies (code),
    registration_number TEXT NOT NULL,
    verified_by TEXT REFERENCES users (id),
    verified_at TIMESTAMP,
    verification_method TEXT CHECK (verification_method IS NULL OR verification_method IN ('register_lookup','certificate_seen','body_confirmation','other')),
    verification_reference TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX external_supervisors_body_idx ON external_supervisors (body_code, registration_number);

-- An emailed sign-off link is a link like an invitation (the same token rules), bound to one
-- supervisor and to the logs it names; it works until each is decided or it expires.
ALTER TABLE invitations DROP CONSTRAINT invitations_purpose_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_purpose_check CHECK (purpose IN ('invite','reset','sign_off'));
CREATE TABLE sign_off_link_logs (
    link_id TEXT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    log_id TEXT NOT NULL REFERENCES supervision_logs (id) ON DELETE CASCADE,
    PRIMARY KEY (link_id, log_id)
);
CREATE INDEX sign_off_link_logs_log_idx ON sign_off_link_logs (log_id);
