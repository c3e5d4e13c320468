-- One row per pipeline run (load, detect or backfill).
CREATE TABLE IF NOT EXISTS runs (
    run_id      BIGINT PRIMARY KEY,
    kind        TEXT NOT NULL,      -- load | detect | backfill
    input_dir   TEXT,
    run_date    DATE NOT NULL,      -- rows dated after this day are quarantined
    as_of       DATE,               -- month computed (detect) or last month (backfill)
    started_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
