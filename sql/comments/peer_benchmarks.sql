-- Documentation of the peer_benchmarks view.
COMMENT ON VIEW peer_benchmarks IS 'Grain: one row per month and peer group: each region and tier, and each whole region (tier null). The 10th, 50th and 90th percentile over the group''s dealers of the dealer_month measures; a month without orders counts as 0 units. Detection compares a dealer with its region and tier when the group has at least detect.baseline.min_peer_group dealers (default 5), else with its region.';
COMMENT ON COLUMN peer_benchmarks.month IS 'calendar month, as its first day';
COMMENT ON COLUMN peer_benchmarks.region IS 'the peer group''s region';
COMMENT ON COLUMN peer_benchmarks.tier IS 'the peer group''s tier; null = every tier of the region';
COMMENT ON COLUMN peer_benchmarks.dealers IS 'dealers in the group with a dealer_month row that month (active by then), count';
COMMENT ON COLUMN peer_benchmarks.units_ordered_p10 IS '10th percentile of units ordered, units';
COMMENT ON COLUMN peer_benchmarks.units_ordered_p50 IS 'median units ordered, units';
COMMENT ON COLUMN peer_benchmarks.units_ordered_p90 IS '90th percentile of units ordered, units';
COMMENT ON COLUMN peer_benchmarks.avg_unit_price_p10 IS '10th percentile of the average unit price paid, currency per unit (dealers that ordered)';
COMMENT ON COLUMN peer_benchmarks.avg_unit_price_p50 IS 'median average unit price paid, currency per unit (dealers that ordered)';
COMMENT ON COLUMN peer_benchmarks.avg_unit_price_p90 IS '90th percentile of the average unit price paid, currency per unit (dealers that ordered)';
COMMENT ON COLUMN peer_benchmarks.sales_revenue_p10 IS '10th percentile of reported sell-out revenue, in the exports'' currency';
COMMENT ON COLUMN peer_benchmarks.sales_revenue_p50 IS 'median reported sell-out revenue, in the exports'' currency';
COMMENT ON COLUMN peer_benchmarks.sales_revenue_p90 IS '90th percentile of reported sell-out revenue, in the exports'' currency';
COMMENT ON COLUMN peer_benchmarks.complaints_p10 IS '10th percentile of complaints opened, count';
COMMENT ON COLUMN peer_benchmarks.complaints_p50 IS 'median complaints opened, count';
COMMENT ON COLUMN peer_benchmarks.complaints_p90 IS '90th percentile of complaints opened, count';
