-- Reminders: one notification per (recipient, lapse and stage), gathered per run into one
-- delivery (a digest email) per recipient; and each person's opted-out reminder kinds.

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    recipient_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- pending, sending, sent, failed (will be retried), dead (gave up)
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_at TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    -- the lapse and its stage; a lapse that ends and comes back has a new key
    dedupe_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    urgent BOOLEAN NOT NULL,
    -- the person the lapse is about
    subject_id TEXT,
    summary TEXT NOT NULL,
    due_on DATE,
    delivery_id TEXT REFERENCES deliveries (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX notifications_dedupe_key ON notifications (recipient_id, dedupe_key);
CREATE INDEX notifications_delivery_idx ON notifications (delivery_id);
CREATE INDEX notifications_recipient_idx ON notifications (recipient_id, id);

CREATE TABLE notification_preferences (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    -- comma-separated kinds the person turned off (never an urgent one)
    disabled_kinds TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
