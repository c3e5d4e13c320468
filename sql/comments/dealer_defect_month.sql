-- Documentation of the dealer_defect_month mart (rebuilt by every run, so applied again after it).
COMMENT ON TABLE dealer_defect_month IS 'Grain: one row per dealer, calendar month (reported), SKU and defect type with at least one quality incident, up to the as-of month of the last run. What quality_spike''s cluster test reads: incidents of one faulty batch share one SKU and one defect.';
COMMENT ON COLUMN dealer_defect_month.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_defect_month.month IS 'calendar month the incidents were reported, as its first day';
COMMENT ON COLUMN dealer_defect_month.sku IS 'product SKU the incidents name; null when the report names none';
COMMENT ON COLUMN dealer_defect_month.defect_type IS 'defect type as in the quality export';
COMMENT ON COLUMN dealer_defect_month.incidents IS 'quality incidents of the dealer, month, SKU and defect type, count';
