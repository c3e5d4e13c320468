-- One row per mart: how it was last built, so the next run rebuilds only what changed since.
CREATE TABLE IF NOT EXISTS mart_builds (
    mart               TEXT PRIMARY KEY,
    definition_sha256  TEXT NOT NULL,  -- of sql/marts/<mart>.sql: a new definition rebuilds all
    as_of              DATE NOT NULL,  -- the month it was built up to
    run_id             BIGINT          -- the run that built it (null: built outside a run)
);
