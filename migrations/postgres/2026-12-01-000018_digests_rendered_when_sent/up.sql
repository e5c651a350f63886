-- A reminder digest is stored as what it says (JSON: its items, the recipient's name, the
-- service and whom to ask), a tenth of the bytes of its two rendered parts, and rendered from
-- the templates when it is sent.
ALTER TABLE deliveries ADD COLUMN digest TEXT;
