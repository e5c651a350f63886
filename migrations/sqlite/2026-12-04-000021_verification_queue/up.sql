-- The verification queue reads the credentials nobody has checked yet, oldest first: a partial
-- index holds just those, so the queue costs the same however many are checked.
CREATE INDEX accreditations_waiting_idx ON accreditations (created_at, id) WHERE verified_at IS NULL;
