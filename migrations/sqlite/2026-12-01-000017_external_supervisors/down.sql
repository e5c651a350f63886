DROP TABLE sign_off_link_logs;
DELETE FROM notifications WHERE delivery_id IN (SELECT d.id FROM deliveries d JOIN invitations i ON i.id = d.invitation_id WHERE i.purpose = 'sign_off');
DELETE FROM deliveries WHERE invitation_id IN (SELECT id FROM invitations WHERE purpose = 'sign_off');
DELETE FROM invitations WHERE purpose = 'sign_off';
DROP TRIGGER invitations_check_insert;
DROP TRIGGER invitations_check_update;
CREATE TRIGGER invitations_check_insert BEFORE INSERT ON invitations
WHEN NOT (NEW.purpose IN ('invite','reset'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: invitations holds a value its column does not allow'); END;
CREATE TRIGGER invitations_check_update BEFORE UPDATE ON invitations
WHEN NOT (NEW.purpose IN ('invite','reset'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: invitations holds a value its column does not allow'); END;
DROP TABLE external_supervisors;
