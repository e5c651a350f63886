-- A signed-in browser: the cookie holds a random secret, kept here only as its SHA-256. Each
-- belongs to an account session (`sessions`), so logout, deactivation and a password change end
-- it as they end the API's tokens; `last_seen_at` gives the idle timeout.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_session_id_idx ON web_sessions (session_id);
