DROP INDEX invitations_user_purpose_idx;
ALTER TABLE invitations DROP CONSTRAINT invitations_purpose_check;
ALTER TABLE invitations DROP COLUMN purpose;
