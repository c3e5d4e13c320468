-- Documentation of the stg_dealers view.
COMMENT ON VIEW stg_dealers IS 'Grain: one row per dealer_id: the dealer master data, typed; a row loaded later replaces an earlier one (restatement).';
COMMENT ON COLUMN stg_dealers.load_id IS 'the file the row came from (loads.load_id)';
COMMENT ON COLUMN stg_dealers.run_id IS 'the run that loaded it (runs.run_id)';
COMMENT ON COLUMN stg_dealers.line IS 'its CSV line or Excel row';
COMMENT ON COLUMN stg_dealers.dealer_id IS 'unique key of the dealer (channel partner, distributor, franchisee)';
COMMENT ON COLUMN stg_dealers.dealer_name IS 'dealer name';
COMMENT ON COLUMN stg_dealers.region IS 'region: the first peer group for dealer-vs-peers comparison';
COMMENT ON COLUMN stg_dealers.tier IS 'tier (A/B/C, platinum/gold, ...): the second peer dimension';
COMMENT ON COLUMN stg_dealers.manager_name IS 'channel manager who owns the dealer';
COMMENT ON COLUMN stg_dealers.manager_email IS 'where that manager''s alerts go';
COMMENT ON COLUMN stg_dealers.active_since IS 'start of the relationship, date';
