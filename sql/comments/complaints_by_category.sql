-- Documentation of the complaints_by_category view.
COMMENT ON VIEW complaints_by_category IS 'Grain: one row per dealer, month opened and complaint category with at least one complaint. Which kinds of end-customer complaints a dealer gets, how severe, how fast they close. All loaded complaints, not cut at the as-of month.';
COMMENT ON COLUMN complaints_by_category.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN complaints_by_category.month IS 'month the complaints were opened, as its first day';
COMMENT ON COLUMN complaints_by_category.category IS 'quality, logistics, packaging, service, design or other';
COMMENT ON COLUMN complaints_by_category.complaints IS 'complaints opened, count';
COMMENT ON COLUMN complaints_by_category.high_severity IS 'of them with severity high, count';
COMMENT ON COLUMN complaints_by_category.still_open IS 'of them without a closed_on date yet, count';
COMMENT ON COLUMN complaints_by_category.median_days_to_close IS 'median days from opened_on to closed_on of the closed ones, days; null when none closed';
COMMENT ON COLUMN complaints_by_category.share_of_month IS 'this category''s share of the dealer''s complaints that month, fraction 0..1';
