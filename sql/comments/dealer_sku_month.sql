-- Documentation of the dealer_sku_month mart (rebuilt by every run, so applied again after it).
COMMENT ON TABLE dealer_sku_month IS 'Grain: one row per dealer, SKU and calendar month with ordered units, up to the as-of month of the last run; returns excluded. What a dealer buys, by SKU and style: group by style for the dealer x style month.';
COMMENT ON COLUMN dealer_sku_month.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_sku_month.sku IS 'product SKU as in the order export';
COMMENT ON COLUMN dealer_sku_month.month IS 'calendar month of the order date, as its first day';
COMMENT ON COLUMN dealer_sku_month.style IS 'design / model line of the SKU (any one of the month''s lines), null when the export has none';
COMMENT ON COLUMN dealer_sku_month.units IS 'units of the SKU ordered in the month, units';
COMMENT ON COLUMN dealer_sku_month.order_value IS 'net value of those units (quantity x unit_price), in the exports'' currency';
