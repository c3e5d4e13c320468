-- Documentation of the mart_builds table.
COMMENT ON TABLE mart_builds IS 'Grain: one row per mart: how it was last built. A run rebuilds a mart from the first month its new rows touch; a new definition or an earlier as-of month rebuilds every month.';
COMMENT ON COLUMN mart_builds.mart IS 'name of the mart table (dealer_month, dealer_sku_month, ...)';
COMMENT ON COLUMN mart_builds.definition_sha256 IS 'SHA-256 of the mart''s SQL definition it was built with';
COMMENT ON COLUMN mart_builds.as_of IS 'the month it was built up to, as its first day';
COMMENT ON COLUMN mart_builds.run_id IS 'the run that built it; rows loaded by later runs are what the next build adds';
