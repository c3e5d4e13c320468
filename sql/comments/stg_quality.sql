-- Documentation of the stg_quality view.
COMMENT ON VIEW stg_quality IS 'Grain: one row per incident_id: product quality incidents at or reported by the dealer; a row loaded later replaces an earlier one.';
COMMENT ON COLUMN stg_quality.load_id IS 'the file the row came from (loads.load_id)';
COMMENT ON COLUMN stg_quality.run_id IS 'the run that loaded it (runs.run_id)';
COMMENT ON COLUMN stg_quality.line IS 'its CSV line or Excel row';
COMMENT ON COLUMN stg_quality.incident_id IS 'the incident';
COMMENT ON COLUMN stg_quality.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN stg_quality.reported_on IS 'date reported';
COMMENT ON COLUMN stg_quality.sku IS 'product SKU concerned; null when not given';
COMMENT ON COLUMN stg_quality.defect_type IS 'kind of defect, as exported';
COMMENT ON COLUMN stg_quality.units_affected IS 'units affected';
