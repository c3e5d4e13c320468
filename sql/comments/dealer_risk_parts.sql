-- Documentation of the dealer_risk_parts table.
COMMENT ON TABLE dealer_risk_parts IS 'Grain: one row per part of a ranked dealer-month''s risk score: each alert, and the outlier part. A dealer-month''s points add up to its dealer_risk.risk_score.';
COMMENT ON COLUMN dealer_risk_parts.month IS 'the month, as its first day';
COMMENT ON COLUMN dealer_risk_parts.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_risk_parts.part IS 'an indicator that fired, or outlier';
COMMENT ON COLUMN dealer_risk_parts.score IS '-log10 of the part''s tail probability, 0 to 10 (3 = one in a thousand)';
COMMENT ON COLUMN dealer_risk_parts.weight IS 'how much a point of the part counts: 1.5 for a critical alert, else 1';
COMMENT ON COLUMN dealer_risk_parts.points IS 'score x weight, points';
COMMENT ON COLUMN dealer_risk_parts.detail IS 'the alert''s sentence, or what makes the dealer-month unusual';
