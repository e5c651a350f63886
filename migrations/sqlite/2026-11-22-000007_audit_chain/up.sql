-- A hash chain over the audit trail: each event stores its place in the chain, the previous
-- event's hash and its own (SHA-256 over canonical JSON).
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_events_seq_key ON audit_events (seq);
