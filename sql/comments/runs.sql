-- Documentation of the runs table.
COMMENT ON TABLE runs IS 'Grain: one row per pipeline run: run (load and detect in one transaction), load, detect (one month) or backfill (a range of months).';
COMMENT ON COLUMN runs.run_id IS 'id of the run';
COMMENT ON COLUMN runs.kind IS 'run, load, detect or backfill';
COMMENT ON COLUMN runs.input_dir IS 'folder read by a load run; null otherwise';
COMMENT ON COLUMN runs.run_date IS 'the date of the run: rows dated after it were quarantined';
COMMENT ON COLUMN runs.as_of IS 'month computed (detect) or last month of the range (backfill), as its first day; null for a load';
COMMENT ON COLUMN runs.started_at IS 'when the run started, timestamp';
COMMENT ON COLUMN runs.validation_report IS 'the great-expectations validation report of the run (HTML file path); null for detect and backfill';
