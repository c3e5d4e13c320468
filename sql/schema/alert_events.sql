-- One row per (month, dealer_id, indicator) problem that alerts in the month or stopped alerting
-- in it: its lifecycle, derived from the alerts table (a notify run replaces the month's rows).
CREATE TABLE IF NOT EXISTS alert_events (
    month              DATE NOT NULL,  -- the alert month, first day
    dealer_id          TEXT NOT NULL,
    indicator          TEXT NOT NULL,
    status             TEXT NOT NULL,  -- new | ongoing | escalated | resolved
    severity           TEXT NOT NULL,  -- warning | critical (for resolved: the last one seen)
    previous_severity  TEXT,           -- the month before; null when it did not alert then
    score              DOUBLE NOT NULL,
    explanation        TEXT NOT NULL,  -- the alert's sentence (for resolved: the last one)
    opened_month       DATE NOT NULL,  -- first month of the unbroken run of alerts
    PRIMARY KEY (month, dealer_id, indicator)
);
