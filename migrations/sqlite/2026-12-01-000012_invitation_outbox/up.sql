-- Invitations go through the reminder outbox (retried, dead-lettered, listed). The link's
-- token is never stored: it is an HMAC of the invitation and this nonce under a key derived
-- from the signing secret, rendered into the message only when it is sent. Only its SHA-256 is
-- kept (token_hash), to redeem it.
ALTER TABLE invitations ADD COLUMN nonce TEXT;
ALTER TABLE deliveries ADD COLUMN invitation_id TEXT REFERENCES invitations (id);
CREATE INDEX deliveries_invitation_idx ON deliveries (invitation_id);
