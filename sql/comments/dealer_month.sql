-- Documentation of the dealer_month mart (rebuilt by every run, so applied again after it).
COMMENT ON TABLE dealer_month IS 'Grain: one row per dealer and calendar month, from the dealer''s first activity in any source to the as-of month of the last run, zero-filled. Sell-in (orders), sell-out (sales), complaints and quality incidents side by side.';
COMMENT ON COLUMN dealer_month.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_month.month IS 'calendar month, as its first day';
COMMENT ON COLUMN dealer_month.orders IS 'distinct purchase orders with at least one ordered (positive) line, count';
COMMENT ON COLUMN dealer_month.units_ordered IS 'units ordered (sell-in), returns excluded, units';
COMMENT ON COLUMN dealer_month.order_value IS 'net value of the ordered units (quantity x unit_price), in the exports'' currency';
COMMENT ON COLUMN dealer_month.avg_unit_price IS 'order_value / units_ordered, currency per unit; null in a month without orders. Moves with the product mix: detection uses a like-for-like index instead';
COMMENT ON COLUMN dealer_month.units_returned IS 'units on return or cancellation lines (negative quantities), as a positive number of units';
COMMENT ON COLUMN dealer_month.order_units_sq IS 'sum over the month''s orders of (units in the order)^2, units^2: how lumpy sell-in is, for the order_drop noise model';
COMMENT ON COLUMN dealer_month.sales_revenue IS 'sell-out revenue the dealer reported for the month, in the exports'' currency (0 when nothing was reported)';
COMMENT ON COLUMN dealer_month.sales_units IS 'sell-out units the dealer reported for the month, units';
COMMENT ON COLUMN dealer_month.complaints IS 'end-customer complaints opened in the month, count';
COMMENT ON COLUMN dealer_month.quality_incidents IS 'quality incidents reported in the month, count';
