DROP TABLE sign_off_link_logs;
DELETE FROM notifications WHERE delivery_id IN (SELECT d.id FROM deliveries d JOIN invitations i ON i.id = d.invitation_id WHERE i.purpose = 'sign_off');
DELETE FROM deliveries WHERE invitation_id IN (SELECT id FROM invitations WHERE purpose = 'sign_off');
DELETE FROM invitations WHERE purpose = 'sign_off';
ALTER TABLE invitations DROP CONSTRAINT invitations_purpose_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_purpose_check CHECK (purpose IN ('invite','reset'));
DROP TABLE external_supervisors;
