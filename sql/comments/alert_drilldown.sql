-- Documentation of the alert_drilldown view.
COMMENT ON VIEW alert_drilldown IS 'Grain: one row per alert (month, dealer_id, indicator), dimension and part of the dealer''s business active in the alert month or the 6 before it. Which SKUs, styles, complaint categories or defect types drove the change, and by how much: the contributions of one alert and dimension add up to the dealer''s whole change (order_drop: units by sku and by style; style_shift: units by style; complaint_spike, category_spike: complaints by category; quality_spike: incidents by defect type; price_drop: price index points by sku). sales_drop, service_overdue and sellthrough_gap have no rows.';
COMMENT ON COLUMN alert_drilldown.month IS 'the month of the alert, as its first day (alerts.month)';
COMMENT ON COLUMN alert_drilldown.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN alert_drilldown.indicator IS 'the alert''s indicator (alerts.indicator)';
COMMENT ON COLUMN alert_drilldown.dimension IS 'how the business is split: sku, style (no style: ''(no style)''), complaint_category or defect_type';
COMMENT ON COLUMN alert_drilldown.part IS 'the SKU, style, complaint category or defect type';
COMMENT ON COLUMN alert_drilldown.unit IS 'unit of value and baseline: units, complaints, incidents, or price index (value and baseline then in the exports'' currency per unit)';
COMMENT ON COLUMN alert_drilldown.value IS 'the part in the alert month: units ordered, complaints opened, incidents reported; for price_drop the SKU''s unit price paid';
COMMENT ON COLUMN alert_drilldown.baseline IS 'the part before: its mean over the 6 months before the alert month (zero-filled over the months the dealer was active); for price_drop the median of the SKU''s last 6 prices at the dealer';
COMMENT ON COLUMN alert_drilldown.contribution IS 'the part''s share of the dealer''s change, in unit (negative = fell): value - baseline; for price_drop the SKU''s weight in the month''s comparable units x (value / baseline - 1), in price index points. Summed over one alert and dimension: the dealer''s whole change';
COMMENT ON COLUMN alert_drilldown.share_of_change IS 'contribution / the dealer''s whole change (1 = all of it; negative = moved against it); null when the whole change is 0';
COMMENT ON COLUMN alert_drilldown.rank IS '1 = the part that moved most in the alert''s direction (fell most for drops, rose most for spikes), per alert and dimension';
