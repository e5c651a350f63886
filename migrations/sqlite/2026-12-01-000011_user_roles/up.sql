-- Roles as rows, so "who holds this role" is an indexed lookup, not text matched with LIKE.
-- users.roles keeps the sorted list people are read with; both are written together.
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'training_lead', 'supervisor', 'practitioner')),
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role_idx ON user_roles (role, user_id);
INSERT INTO user_roles (user_id, role)
    SELECT id, 'admin' FROM users WHERE ',' || roles || ',' LIKE '%,admin,%';
INSERT INTO user_roles (user_id, role)
    SELECT id, 'training_lead' FROM users WHERE ',' || roles || ',' LIKE '%,training_lead,%';
INSERT INTO user_roles (user_id, role)
    SELECT id, 'supervisor' FROM users WHERE ',' || roles || ',' LIKE '%,supervisor,%';
INSERT INTO user_roles (user_id, role)
    SELECT id, 'practitioner' FROM users WHERE ',' || roles || ',' LIKE '%,practitioner,%';
-- users.roles is a sorted list of known roles: removing each known one leaves only commas.
CREATE TRIGGER users_roles_check_insert BEFORE INSERT ON users
WHEN replace(replace(replace(replace(',' || NEW.roles || ',', ',admin,', ','), ',practitioner,', ','), ',supervisor,', ','), ',training_lead,', ',') NOT IN (',', ',,')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users.roles holds an unknown role'); END;
CREATE TRIGGER users_roles_check_update BEFORE UPDATE OF roles ON users
WHEN replace(replace(replace(replace(',' || NEW.roles || ',', ',admin,', ','), ',practitioner,', ','), ',supervisor,', ','), ',training_lead,', ',') NOT IN (',', ',,')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users.roles holds an unknown role'); END;
