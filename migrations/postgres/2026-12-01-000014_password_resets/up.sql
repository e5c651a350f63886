-- A password reset is a one-time link like an invitation, with its own purpose and a one-hour
-- life: the same table, the same token rules (an HMAC of the row and a nonce, only its SHA-256
-- kept), rendered into the message by the outbox only when it is sent.
ALTER TABLE invitations ADD COLUMN purpose TEXT NOT NULL DEFAULT 'invite';
ALTER TABLE invitations ADD CONSTRAINT invitations_purpose_check CHECK (purpose IN ('invite','reset'));
CREATE INDEX invitations_user_purpose_idx ON invitations (user_id, purpose);
