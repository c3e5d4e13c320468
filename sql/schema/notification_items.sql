-- One row per alert event a digest announced: what each recipient has been told, so the next
-- run tells only what changed.
CREATE TABLE IF NOT EXISTS notification_items (
    notification_id  TEXT NOT NULL,   -- notifications.notification_id
    month            DATE NOT NULL,
    dealer_id        TEXT NOT NULL,
    indicator        TEXT NOT NULL,
    change           TEXT NOT NULL,   -- new | ongoing | escalated | resolved, as announced
    severity         TEXT NOT NULL,
    PRIMARY KEY (notification_id, dealer_id, indicator)
);
