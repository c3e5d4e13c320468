-- Documentation of the alert_outcomes view.
COMMENT ON VIEW alert_outcomes IS 'Grain: one row per alert (month, dealer_id, indicator): what happened to the dealer afterwards. Outcomes the data cannot tell yet are null.';
COMMENT ON COLUMN alert_outcomes.month IS 'the month the alert is about, as its first day';
COMMENT ON COLUMN alert_outcomes.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN alert_outcomes.dealer_name IS 'dealer name from the master data';
COMMENT ON COLUMN alert_outcomes.region IS 'the dealer''s region';
COMMENT ON COLUMN alert_outcomes.tier IS 'the dealer''s tier';
COMMENT ON COLUMN alert_outcomes.indicator IS 'what fired: order_drop, sales_drop, price_drop, complaint_spike, quality_spike';
COMMENT ON COLUMN alert_outcomes.severity IS 'warning or critical';
COMMENT ON COLUMN alert_outcomes.score IS 'the alert''s score, 0 to 10 (higher = worse)';
COMMENT ON COLUMN alert_outcomes.months_followed IS 'months after the alert month that dealer_month covers so far, 0..6';
COMMENT ON COLUMN alert_outcomes.dormant_from IS 'first month of the first spell of 3+ months without an order that lies within the 6 months after the alert; null if none (yet)';
COMMENT ON COLUMN alert_outcomes.went_dormant IS 'true: the dealer went 3+ months without an order within 6 months of the alert; false: it did not and 6 months have passed; null: not known yet';
COMMENT ON COLUMN alert_outcomes.fired_again_next_month IS 'true: the same indicator fired for the dealer the month after; false: it did not; null: no run has computed the alerts of that month yet';
