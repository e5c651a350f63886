DELETE FROM notifications WHERE delivery_id IN (SELECT id FROM deliveries WHERE digest IS NOT NULL AND status <> 'sent');
DELETE FROM deliveries WHERE digest IS NOT NULL AND status <> 'sent';
ALTER TABLE deliveries DROP COLUMN digest;
