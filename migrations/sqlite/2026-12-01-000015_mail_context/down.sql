ALTER TABLE deliveries DROP COLUMN list_unsubscribe;
ALTER TABLE services DROP COLUMN contact_email;
