-- One row per (month, dealer_id, indicator) that fired, with the numbers behind the decision.
CREATE TABLE IF NOT EXISTS alerts (
    month        DATE NOT NULL,    -- first day of the month the alert is about
    dealer_id    TEXT NOT NULL,
    indicator    TEXT NOT NULL,    -- order_drop, price_drop, complaint_spike, quality_spike, sales_drop, ...
    severity     TEXT NOT NULL,    -- warning | critical
    score        DOUBLE NOT NULL,  -- 0..10 = -log10(p_value), higher = worse
    explanation  TEXT NOT NULL,    -- one sentence with value, baseline, change and peers
    value        DOUBLE,           -- the month's value of the measure
    expected     DOUBLE,           -- what the dealer's history and peers predicted
    baseline     DOUBLE,           -- the dealer's own baseline, before the peer adjustment
    peer_change  DOUBLE,           -- the peer group's change that month (0.05 = +5%)
    peer_group   TEXT,             -- region / tier compared with
    run_id       BIGINT,
    p_value      DOUBLE,           -- chance of a value this far off if the dealer were as usual
    PRIMARY KEY (month, dealer_id, indicator)
);
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS p_value DOUBLE;
