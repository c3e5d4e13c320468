-- The outbox: one row per e-mail, stored whole when it is decided and delivered afterwards;
-- pending and failed ones are retried on the next run, a sent one never again.
CREATE TABLE IF NOT EXISTS notifications (
    notification_id  TEXT PRIMARY KEY,   -- idempotency key: recipient, month and content
    kind             TEXT NOT NULL,      -- digest (a recipient's changes) | summary (director)
    recipient        TEXT NOT NULL,
    language         TEXT NOT NULL,      -- en | zh | es
    month            DATE NOT NULL,      -- the alert month it is about
    run_date         DATE NOT NULL,
    subject          TEXT NOT NULL,
    message_id       TEXT NOT NULL,      -- the Message-ID header, derived from notification_id
    message          BLOB NOT NULL,      -- the RFC 5322 message as sent
    status           TEXT NOT NULL,      -- pending | sent | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    delivered_to     TEXT,               -- smtp://host:port or the .eml file written
    created_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    sent_at          TIMESTAMP
);
