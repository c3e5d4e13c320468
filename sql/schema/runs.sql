-- One row per pipeline run (run, load, detect or backfill).
CREATE TABLE IF NOT EXISTS runs (
    run_id             BIGINT PRIMARY KEY,
    kind               TEXT NOT NULL,  -- run (load + detect in one transaction) | load | detect | backfill
    input_dir          TEXT,
    run_date           DATE NOT NULL,  -- rows dated after this day are quarantined
    as_of              DATE,           -- month computed (run, detect) or last month (backfill)
    started_at         TIMESTAMP NOT NULL DEFAULT current_timestamp,
    validation_report  TEXT            -- the great-expectations report of the run (HTML file)
);
-- Warehouses created before the validation report existed get the column too.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS validation_report TEXT;
