-- Documentation of the quarantine table.
COMMENT ON TABLE quarantine IS 'Grain: one row per input row that broke the data contract: where it was, what was wrong, the row itself. The rest of its file loaded.';
COMMENT ON COLUMN quarantine.load_id IS 'the file''s load (loads.load_id)';
COMMENT ON COLUMN quarantine.source IS 'dealers, sales, orders, complaints or quality';
COMMENT ON COLUMN quarantine.file_name IS 'the input file';
COMMENT ON COLUMN quarantine.line IS 'CSV line or Excel row, as a person opening the file sees it';
COMMENT ON COLUMN quarantine.column_name IS 'the first column with a problem';
COMMENT ON COLUMN quarantine.value IS 'its value as written';
COMMENT ON COLUMN quarantine.reason IS 'every problem of the row, in plain words, separated by ;';
COMMENT ON COLUMN quarantine.row_json IS 'the whole row as read, JSON';
