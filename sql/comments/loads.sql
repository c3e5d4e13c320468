-- Documentation of the loads ledger.
COMMENT ON TABLE loads IS 'Grain: one row per input file a run saw, loaded or not: the ledger. rows_read = rows_loaded + rows_quarantined.';
COMMENT ON COLUMN loads.load_id IS 'id of this file''s load; raw_, valid_ and quarantine rows point to it';
COMMENT ON COLUMN loads.run_id IS 'the run that saw the file (runs.run_id)';
COMMENT ON COLUMN loads.file_name IS 'file name as found in the input folder';
COMMENT ON COLUMN loads.path IS 'full path read';
COMMENT ON COLUMN loads.sha256 IS 'hash of the content: the same content under any name is skipped';
COMMENT ON COLUMN loads.source IS 'dealers, sales, orders, complaints or quality; null when the name matches no source';
COMMENT ON COLUMN loads.file_format IS 'how it was read: utf-8, utf-8-sig, gb18030, utf-16, xlsx, parquet, ...';
COMMENT ON COLUMN loads.rows_read IS 'data rows in the file, count';
COMMENT ON COLUMN loads.rows_loaded IS 'rows that passed the contract, count';
COMMENT ON COLUMN loads.rows_quarantined IS 'rows that broke it (see quarantine), count';
COMMENT ON COLUMN loads.rows_replaced IS 'earlier rows this file restated, count';
COMMENT ON COLUMN loads.status IS 'loaded, rejected (unusable as a whole), ignored (no source) or skipped (content seen before)';
COMMENT ON COLUMN loads.message IS 'what happened, in plain words (why rejected, which file it repeats, ...)';
COMMENT ON COLUMN loads.loaded_at IS 'when the file was read, timestamp';
