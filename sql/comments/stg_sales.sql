-- Documentation of the stg_sales view.
COMMENT ON VIEW stg_sales IS 'Grain: one row per dealer_id, month and product_line: the sell-out each dealer reports; blank product_line = the whole dealer. A row loaded later replaces an earlier one.';
COMMENT ON COLUMN stg_sales.load_id IS 'the file the row came from (loads.load_id)';
COMMENT ON COLUMN stg_sales.run_id IS 'the run that loaded it (runs.run_id)';
COMMENT ON COLUMN stg_sales.line IS 'its CSV line or Excel row';
COMMENT ON COLUMN stg_sales.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN stg_sales.month IS 'month reported, as its first day';
COMMENT ON COLUMN stg_sales.product_line IS 'product line; null = the whole dealer';
COMMENT ON COLUMN stg_sales.revenue IS 'sell-out revenue, in the exports'' currency';
COMMENT ON COLUMN stg_sales.units IS 'sell-out units';
