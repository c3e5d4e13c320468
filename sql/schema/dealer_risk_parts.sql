-- One row per part of a ranked dealer-month's risk score: each alert, and the outlier part.
CREATE TABLE IF NOT EXISTS dealer_risk_parts (
    month      DATE NOT NULL,
    dealer_id  TEXT NOT NULL,
    part       TEXT NOT NULL,    -- an indicator, or 'outlier'
    score      DOUBLE NOT NULL,  -- -log10 of the part's tail probability, 0..10
    weight     DOUBLE NOT NULL,  -- 1.5 for a critical alert, else 1
    points     DOUBLE NOT NULL,  -- score x weight; a dealer-month's points add up to risk_score
    detail     TEXT,             -- the alert's sentence, or what makes the dealer-month unusual
    PRIMARY KEY (month, dealer_id, part)
);
