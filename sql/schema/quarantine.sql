-- One row per input row that broke the contract: where it was, what was wrong, the row itself.
CREATE TABLE IF NOT EXISTS quarantine (
    load_id      BIGINT NOT NULL,
    source       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    line         BIGINT NOT NULL,  -- CSV line or Excel row, as a person opening the file sees it
    column_name  TEXT,             -- the first column with a problem
    value        TEXT,             -- its value as written
    reason       TEXT NOT NULL,    -- every problem of the row, in plain words
    row_json     TEXT              -- the whole row as read
);
