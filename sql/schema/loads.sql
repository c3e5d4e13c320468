-- The ledger: one row per input file seen, loaded or not. rows_read = rows_loaded + rows_quarantined.
CREATE TABLE IF NOT EXISTS loads (
    load_id           BIGINT PRIMARY KEY,
    run_id            BIGINT NOT NULL,
    file_name         TEXT NOT NULL,
    path              TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    source            TEXT,            -- null when the name matches no source
    file_format       TEXT,            -- utf-8, utf-8-sig, gb18030, xlsx, parquet, ...
    rows_read         BIGINT NOT NULL DEFAULT 0,
    rows_loaded       BIGINT NOT NULL DEFAULT 0,
    rows_quarantined  BIGINT NOT NULL DEFAULT 0,
    rows_replaced     BIGINT NOT NULL DEFAULT 0, -- earlier rows this file restated
    status            TEXT NOT NULL,   -- loaded | rejected | ignored | skipped
    message           TEXT,
    loaded_at         TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (rows_read = rows_loaded + rows_quarantined)  -- nothing lost, nothing counted twice
);
