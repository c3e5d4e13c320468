-- One row per (month, dealer_id) with at least one alert; rank 1 = the dealer to call first.
CREATE TABLE IF NOT EXISTS dealer_risk (
    month       DATE NOT NULL,
    dealer_id   TEXT NOT NULL,
    risk_score  DOUBLE NOT NULL,   -- sum of the points in dealer_risk_parts
    rank        INTEGER NOT NULL,
    alerts      INTEGER NOT NULL,  -- how many indicators fired
    reasons     TEXT NOT NULL,     -- indicators, worst first
    outlier_points DOUBLE,         -- the part of risk_score from the multivariate outlier score
    PRIMARY KEY (month, dealer_id)
);
ALTER TABLE dealer_risk ADD COLUMN IF NOT EXISTS outlier_points DOUBLE;
