-- What an email needs to be acted on: the address people of a service write to about the
-- registry (reminders name it), and, for a delivery of reminders that can be turned off, the
-- address its List-Unsubscribe header gives (RFC 2369).
ALTER TABLE services ADD COLUMN contact_email TEXT;
ALTER TABLE deliveries ADD COLUMN list_unsubscribe TEXT;
