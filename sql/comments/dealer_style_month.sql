-- Documentation of the dealer_style_month mart (rebuilt by every run, so applied again after it).
COMMENT ON TABLE dealer_style_month IS 'Grain: one row per dealer, calendar month and style ordered, up to the as-of month of the last run; returns and lines without a style excluded. What style_shift compares with the region''s best-selling styles.';
COMMENT ON COLUMN dealer_style_month.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_style_month.month IS 'calendar month of the order date, as its first day';
COMMENT ON COLUMN dealer_style_month.style IS 'design / model line as in the order export';
COMMENT ON COLUMN dealer_style_month.lines IS 'order lines of the style in the month, count';
COMMENT ON COLUMN dealer_style_month.units IS 'units of the style ordered in the month, units';
