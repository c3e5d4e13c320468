-- Documentation of the dealer_risk table.
COMMENT ON TABLE dealer_risk IS 'Grain: one row per (month, dealer_id) with at least one alert: the risk score and the call order of that month.';
COMMENT ON COLUMN dealer_risk.month IS 'the month, as its first day';
COMMENT ON COLUMN dealer_risk.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_risk.risk_score IS 'the points of its parts (dealer_risk_parts): its alert scores, critical alerts weighing 1.5x, plus the outlier points; higher = worse';
COMMENT ON COLUMN dealer_risk.rank IS 'call order within the month: 1 = the dealer to call first';
COMMENT ON COLUMN dealer_risk.alerts IS 'indicators that fired for the dealer that month, count';
COMMENT ON COLUMN dealer_risk.reasons IS 'the indicators that fired, worst first, comma separated';
COMMENT ON COLUMN dealer_risk.outlier_points IS 'the part of risk_score from how unusual all its indicator scores are together (-log10 of the share of the last 12 months'' dealer-months as unusual), points';
