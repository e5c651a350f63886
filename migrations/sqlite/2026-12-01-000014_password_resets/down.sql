DROP TRIGGER invitations_check_update;
DROP TRIGGER invitations_check_insert;
DROP INDEX invitations_user_purpose_idx;
ALTER TABLE invitations DROP COLUMN purpose;
