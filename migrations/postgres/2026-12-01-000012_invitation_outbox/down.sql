DROP INDEX deliveries_invitation_idx;
ALTER TABLE deliveries DROP COLUMN invitation_id;
ALTER TABLE invitations DROP COLUMN nonce;
