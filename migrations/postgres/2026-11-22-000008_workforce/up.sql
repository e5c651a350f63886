-- Workforce: when a person left their post (starters come from started_on); specialist
-- interests as rows so planning can filter on them by index; and the secret calendar feeds.

ALTER TABLE users ADD COLUMN left_on DATE;
UPDATE users SET left_on = CAST(updated_at AS DATE) WHERE NOT active;
CREATE INDEX users_started_on_idx ON users (started_on);
CREATE INDEX users_left_on_idx ON users (left_on);

-- One row per person and interest, lower-cased; users.specialist_interests keeps the spelling.
CREATE TABLE person_interests (
    user_id TEXT NOT NULL REFERENCES users (id),
    interest TEXT NOT NULL,
    PRIMARY KEY (user_id, interest)
);
CREATE INDEX person_interests_interest_idx ON person_interests (interest, user_id);
INSERT INTO person_interests (user_id, interest)
    SELECT DISTINCT u.id, lower(trim(j.value)) FROM users u, jsonb_array_elements_text(u.specialist_interests::jsonb) AS j(value)
    WHERE trim(j.value) <> '';

-- The secret is derived from `nonce` and a server key, so the feed address can be shown again;
-- only its SHA-256 is kept. Rotating replaces the nonce, and the old address stops working.
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    nonce TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_secret_hash_key ON calendar_feeds (secret_hash);
