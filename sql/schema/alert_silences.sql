-- One row per `dealer-warnings ack` or `snooze`: repeats of a (dealer, indicator) problem are
-- held back while it is active and the problem has not escalated above `severity`.
CREATE TABLE IF NOT EXISTS alert_silences (
    dealer_id     TEXT NOT NULL,
    indicator     TEXT NOT NULL,
    kind          TEXT NOT NULL,       -- ack (until the problem resolves) | snooze (until `until`)
    severity      TEXT NOT NULL,       -- worse than this breaks through
    opened_month  DATE,                -- ack: the problem it acknowledges; null for snooze
    until         DATE,                -- first day it no longer holds; null = no end date
    note          TEXT,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
