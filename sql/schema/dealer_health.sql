-- One row per dealer and computed month: its health grade and why.
CREATE TABLE IF NOT EXISTS dealer_health (
    month                  DATE NOT NULL,
    dealer_id              TEXT NOT NULL,
    grade                  TEXT NOT NULL,  -- dormant, declining, at risk, growing, stable, new
    reason                 TEXT NOT NULL,
    units_recent           DOUBLE,
    units_year_before      DOUBLE,
    change_on_year         DOUBLE,
    months_without_orders  BIGINT,
    recent_alerts          TEXT,
    PRIMARY KEY (month, dealer_id)
);
