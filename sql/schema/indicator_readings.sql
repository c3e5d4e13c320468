-- One row per (month, dealer_id, indicator) with a verdict: every indicator's numbers, fired or not.
CREATE TABLE IF NOT EXISTS indicator_readings (
    month        DATE NOT NULL,
    dealer_id    TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    peer_group   TEXT,
    value        DOUBLE,
    expected     DOUBLE,
    baseline     DOUBLE,
    peer_change  DOUBLE,
    p_value      DOUBLE,
    score        DOUBLE,
    fired        BOOLEAN NOT NULL,
    severity     TEXT,
    explanation  TEXT,
    PRIMARY KEY (month, dealer_id, indicator)
);
