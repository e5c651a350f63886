-- A password reset is a one-time link like an invitation, with its own purpose and a one-hour
-- life: the same table, the same token rules (an HMAC of the row and a nonce, only its SHA-256
-- kept), rendered into the message by the outbox only when it is sent.
ALTER TABLE invitations ADD COLUMN purpose TEXT NOT NULL DEFAULT 'invite';
CREATE INDEX invitations_user_purpose_idx ON invitations (user_id, purpose);
CREATE TRIGGER invitations_check_insert BEFORE INSERT ON invitations
WHEN NOT (NEW.purpose IN ('invite','reset'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: invitations holds a value its column does not allow'); END;
CREATE TRIGGER invitations_check_update BEFORE UPDATE ON invitations
WHEN NOT (NEW.purpose IN ('invite','reset'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: invitations holds a value its column does not allow'); END;
