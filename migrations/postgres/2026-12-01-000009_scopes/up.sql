-- Scopes that were missing: the services a supervisor supervises in besides their own (an
-- admin links them), a service's own supervision-policy rows (overriding the registry's for its
-- people), and the service that created a course (a lead changes only its own, unshared ones).

CREATE TABLE supervisor_services (
    supervisor_id TEXT NOT NULL REFERENCES users (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (supervisor_id, service_id)
);
CREATE INDEX supervisor_services_service_idx ON supervisor_services (service_id);

-- NULL: the registry-wide rule (the admin's); else the service's own.
ALTER TABLE supervision_policy_rules ADD COLUMN service_id TEXT REFERENCES services (id);
CREATE INDEX supervision_policy_rules_service_idx ON supervision_policy_rules (service_id);

-- NULL: created by an admin, or before courses had an owner: only admins change it.
ALTER TABLE courses ADD COLUMN service_id TEXT REFERENCES services (id);
CREATE INDEX courses_service_idx ON courses (service_id);
