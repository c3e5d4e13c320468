-- Documentation of the stg_orders view.
COMMENT ON VIEW stg_orders IS 'Grain: one row per order line (sell-in). An order is restated as a whole: only the lines of the latest run that loaded an order_id count. Negative quantities are returns or cancellations.';
COMMENT ON COLUMN stg_orders.load_id IS 'the file the row came from (loads.load_id)';
COMMENT ON COLUMN stg_orders.run_id IS 'the run that loaded it (runs.run_id)';
COMMENT ON COLUMN stg_orders.line IS 'its CSV line or Excel row';
COMMENT ON COLUMN stg_orders.order_id IS 'purchase order; the key an order is restated by';
COMMENT ON COLUMN stg_orders.line_no IS 'line number within the order, as exported (may repeat or be null)';
COMMENT ON COLUMN stg_orders.sku IS 'product SKU';
COMMENT ON COLUMN stg_orders.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN stg_orders.order_date IS 'order date';
COMMENT ON COLUMN stg_orders.quantity IS 'units; negative = a return or cancellation line';
COMMENT ON COLUMN stg_orders.unit_price IS 'net price per unit, in the exports'' currency';
COMMENT ON COLUMN stg_orders.style IS 'design / model line, null when the export has none';
