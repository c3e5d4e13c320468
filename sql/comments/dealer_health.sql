-- Documentation of the dealer_health table.
COMMENT ON TABLE dealer_health IS 'Grain: one row per dealer and computed month: its health grade (dormant, declining, at risk, growing, stable, new) from its orders and its alerts. The first grade that applies wins, in that order.';
COMMENT ON COLUMN dealer_health.month IS 'the month graded, as its first day';
COMMENT ON COLUMN dealer_health.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_health.grade IS 'dormant (no order for 3 months), declining (a drop alert lately, or units 30% down on a year before), at risk (other alerts lately), growing (units 20% up on a year before), new (under 15 months of history), stable';
COMMENT ON COLUMN dealer_health.reason IS 'one sentence saying why, with the numbers';
COMMENT ON COLUMN dealer_health.units_recent IS 'units ordered in the last 3 months (detect.health.recent_months), units';
COMMENT ON COLUMN dealer_health.units_year_before IS 'units ordered in the same months a year before, units';
COMMENT ON COLUMN dealer_health.change_on_year IS 'units_recent / units_year_before - 1, fraction';
COMMENT ON COLUMN dealer_health.months_without_orders IS 'months in a row up to this one without an order';
COMMENT ON COLUMN dealer_health.recent_alerts IS 'indicators that fired in the last 3 months, comma separated';
