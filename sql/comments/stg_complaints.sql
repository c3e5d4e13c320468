-- Documentation of the stg_complaints view.
COMMENT ON VIEW stg_complaints IS 'Grain: one row per complaint_id: end-customer complaints and service cases; a row loaded later replaces an earlier one.';
COMMENT ON COLUMN stg_complaints.load_id IS 'the file the row came from (loads.load_id)';
COMMENT ON COLUMN stg_complaints.run_id IS 'the run that loaded it (runs.run_id)';
COMMENT ON COLUMN stg_complaints.line IS 'its CSV line or Excel row';
COMMENT ON COLUMN stg_complaints.complaint_id IS 'the complaint or service case';
COMMENT ON COLUMN stg_complaints.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN stg_complaints.opened_on IS 'date opened';
COMMENT ON COLUMN stg_complaints.category IS 'quality, logistics, packaging, service, design or other';
COMMENT ON COLUMN stg_complaints.severity IS 'low, medium or high; null when not given';
COMMENT ON COLUMN stg_complaints.closed_on IS 'date closed; null while the case is open';
