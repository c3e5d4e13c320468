-- Documentation of the dealer_category_month mart (rebuilt by every run, so applied again after it).
COMMENT ON TABLE dealer_category_month IS 'Grain: one row per dealer, calendar month (of opening) and complaint category with at least one complaint, up to the as-of month of the last run. What category_spike compares with the dealer''s own rate and its peers''.';
COMMENT ON COLUMN dealer_category_month.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_category_month.month IS 'calendar month the complaints were opened, as its first day';
COMMENT ON COLUMN dealer_category_month.category IS 'complaint category: quality, logistics, packaging, service, design, other';
COMMENT ON COLUMN dealer_category_month.complaints IS 'complaints of the category opened in the month, count';
