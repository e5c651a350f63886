-- Roles as rows, so "who holds this role" is an indexed lookup, not text matched with LIKE.
-- users.roles keeps the sorted list people are read with; both are written together.
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'training_lead', 'supervisor', 'practitioner')),
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role_idx ON user_roles (role, user_id);
INSERT INTO user_roles (user_id, role)
    SELECT id, r FROM users, unnest(string_to_array(roles, ',')) AS r WHERE r <> '';
ALTER TABLE users ADD CONSTRAINT users_roles_check
    CHECK (roles ~ '^((admin|training_lead|supervisor|practitioner)(,|$))*$');
