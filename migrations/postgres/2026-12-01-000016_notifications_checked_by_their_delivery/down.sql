ALTER TABLE notifications ADD CONSTRAINT notifications_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries (id);
ALTER TABLE notifications ADD CONSTRAINT notifications_recipient_id_fkey FOREIGN KEY (recipient_id) REFERENCES users (id);
