-- Documentation of the alerts table.
COMMENT ON TABLE alerts IS 'Grain: one row per (month, dealer_id, indicator) that fired, with the numbers behind the decision. A recomputed month replaces its rows.';
COMMENT ON COLUMN alerts.month IS 'the month the alert is about, as its first day';
COMMENT ON COLUMN alerts.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN alerts.indicator IS 'what fired: order_drop, sales_drop, price_drop, complaint_spike, quality_spike, service_overdue, sellthrough_gap, category_spike, style_shift';
COMMENT ON COLUMN alerts.severity IS 'warning or critical';
COMMENT ON COLUMN alerts.score IS 'how bad, 0 to 10 (higher = worse): -log10(p_value), so comparable across indicators';
COMMENT ON COLUMN alerts.explanation IS 'one sentence for a channel manager: the value, its baseline, the change and the peers';
COMMENT ON COLUMN alerts.value IS 'the month''s value of the indicator''s measure: units, currency, price index (1 = own usual prices) or count';
COMMENT ON COLUMN alerts.expected IS 'what the dealer''s own history adjusted by its peers'' change predicted, same unit as value';
COMMENT ON COLUMN alerts.baseline IS 'the dealer''s own baseline before the peer adjustment, same unit as value';
COMMENT ON COLUMN alerts.peer_change IS 'the peer group''s change that month as a fraction (0.05 = +5%)';
COMMENT ON COLUMN alerts.peer_group IS 'the peers compared with: region / tier, or the region alone when that group is small';
COMMENT ON COLUMN alerts.run_id IS 'the run that computed the alert (runs.run_id)';
COMMENT ON COLUMN alerts.p_value IS 'the chance of a value at least this far off if the dealer were behaving as usual (its own history, its season, its peers), after allowing for the windows tried';
