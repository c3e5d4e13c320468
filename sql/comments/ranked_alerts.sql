-- Documentation of the ranked_alerts view.
COMMENT ON VIEW ranked_alerts IS 'Grain: one row per (month, dealer_id) with alerts, in call order: dealer_risk with the dealer''s name, region, manager and alert sentences. What a channel manager reads.';
COMMENT ON COLUMN ranked_alerts.month IS 'the month, as its first day';
COMMENT ON COLUMN ranked_alerts.rank IS 'call order within the month: 1 = the dealer to call first';
COMMENT ON COLUMN ranked_alerts.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN ranked_alerts.dealer_name IS 'dealer name from the master data';
COMMENT ON COLUMN ranked_alerts.region IS 'the dealer''s region, its first peer group';
COMMENT ON COLUMN ranked_alerts.tier IS 'the dealer''s tier (A/B/C, gold, ...), its second peer dimension';
COMMENT ON COLUMN ranked_alerts.manager_name IS 'the channel manager who owns the dealer';
COMMENT ON COLUMN ranked_alerts.manager_email IS 'where that manager''s alerts go';
COMMENT ON COLUMN ranked_alerts.risk_score IS 'sum of the alert scores, critical alerts weighing 1.5x; points, higher = worse';
COMMENT ON COLUMN ranked_alerts.reasons IS 'the indicators that fired, worst first, comma separated';
COMMENT ON COLUMN ranked_alerts.explanation IS 'the alerts'' sentences, worst first';
