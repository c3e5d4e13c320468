-- Documentation of the indicator_readings table.
COMMENT ON TABLE indicator_readings IS 'Grain: one row per (month, dealer_id, indicator) with a verdict, fired or not: the numbers every indicator judged. Alerts are the rows that fired. A recomputed month replaces its rows.';
COMMENT ON COLUMN indicator_readings.month IS 'the month judged, as its first day';
COMMENT ON COLUMN indicator_readings.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN indicator_readings.indicator IS 'the indicator (see alerts.indicator)';
COMMENT ON COLUMN indicator_readings.peer_group IS 'the peers compared with: region / tier, the region, or all dealers';
COMMENT ON COLUMN indicator_readings.value IS 'the measure: units, currency, price index, count or share, over the window judged';
COMMENT ON COLUMN indicator_readings.expected IS 'what the dealer''s own history, season and peers predicted, same unit as value';
COMMENT ON COLUMN indicator_readings.baseline IS 'the dealer''s own usual level before the peer adjustment, same unit as value (a rate per month for counts)';
COMMENT ON COLUMN indicator_readings.peer_change IS 'the peer group''s change that month as a fraction (0.05 = +5%)';
COMMENT ON COLUMN indicator_readings.p_value IS 'the chance of a value at least this far off, the bad way, if the dealer were behaving as usual';
COMMENT ON COLUMN indicator_readings.score IS '-log10(p_value), 0 to 10';
COMMENT ON COLUMN indicator_readings.fired IS 'true when the reading is an alert: improbable enough (p_value <= p_warning) and a big enough change';
COMMENT ON COLUMN indicator_readings.severity IS 'warning or critical when fired, else null';
COMMENT ON COLUMN indicator_readings.explanation IS 'the sentence built from these numbers';
