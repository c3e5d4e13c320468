"""The DuckDB warehouse: connection, schema, and running the SQL files in layer order.

SQL lives in `sql/` as plain statements, one file per table or view, named after it:
`schema/` holds DDL; `staging/` and `views/` hold SELECTs made into views, `marts/` SELECTs
made into tables (with the as-of month as a parameter), `comments/` the documentation analysts
read (COMMENT ON the object and each column). Values reach SQL as parameters, never by formatting.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from dealer_warnings.config import WarehouseSettings
from dealer_warnings.contract import SOURCES
from dealer_warnings.months import add_months

_PACKAGE_DIR = Path(__file__).resolve().parent
SQL_DIR = next(p for p in (_PACKAGE_DIR / "sql", _PACKAGE_DIR.parents[1] / "sql") if p.is_dir())
DUCKDB_TYPES = {
    "text": "TEXT",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "date": "DATE",
    "month": "DATE",
}
EVERY_MONTH = date.min  # `since` of a full build of the marts
MARTS = (
    "dealer_month",
    "dealer_sku_month",
    "dealer_category_month",
    "dealer_case_month",
    "dealer_style_month",
    "dealer_defect_month",
)


LOCK_POLL_SECONDS = 0.25
_LOCK_HOLDER = re.compile(r"PID (\d+)")


class WarehouseBusy(RuntimeError):
    """Another process holds the database; the message says what to do."""


class WarehouseUnavailable(RuntimeError):
    """The database path cannot be opened or created; the message says why and what is expected."""


def connect(
    db_path: Path, settings: WarehouseSettings | None = None, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the configured memory limit, threads and spill directory.

    DuckDB lets one process open a file for writing; while another holds it, this waits up to
    `settings.lock_timeout_seconds`, then raises WarehouseBusy.
    """
    settings = settings or WarehouseSettings()
    if not read_only:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            problem = (
                f"{error.filename} is not a folder"
                if isinstance(error, FileExistsError)
                else error.strerror or str(error)
            )
            raise WarehouseUnavailable(
                f"cannot create the warehouse {db_path}: {problem} "
                "(expected a path in a writable folder)"
            ) from error
    config: dict[str, str | int] = {"memory_limit": settings.memory_limit}
    if settings.threads:
        config["threads"] = settings.threads
    if settings.temp_dir:
        config["temp_directory"] = str(settings.temp_dir)
    deadline = time.monotonic() + settings.lock_timeout_seconds
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only, config=config)
        except duckdb.IOException as error:
            problem = str(error).removeprefix("IO Error: ")
            if "lock" not in problem.lower():
                raise WarehouseUnavailable(
                    f"cannot open the warehouse {db_path}: {problem} (expected a DuckDB file "
                    "this user can write, or a new file in a writable folder)"
                ) from error
            if time.monotonic() >= deadline:
                holder = _LOCK_HOLDER.search(problem)
                raise WarehouseBusy(
                    f"{db_path} is in use by another process"
                    + (f" (PID {holder[1]})" if holder else "")
                    + f", still after waiting {settings.lock_timeout_seconds:g} s (a run still "
                    "going?); wait for it to finish and try again, or allow a longer wait with "
                    "warehouse.lock_timeout_seconds"
                ) from error
            time.sleep(LOCK_POLL_SECONDS)


def sql_text(relative_path: str) -> str:
    return (SQL_DIR / relative_path).read_text(encoding="utf-8")


def _source_tables_ddl() -> list[str]:
    """raw_<source> (text as loaded) and valid_<source> (typed rows that passed), from the contract."""
    statements = []
    for source in SOURCES.values():
        text_columns = ", ".join(f'"{c}" TEXT' for c in source.column_names)
        typed_columns = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in source.columns)
        statements.append(
            f"CREATE TABLE IF NOT EXISTS raw_{source.name} "
            f"(load_id BIGINT NOT NULL, line BIGINT NOT NULL, {text_columns}, extra_columns TEXT)"
        )
        statements.append(
            f"CREATE TABLE IF NOT EXISTS valid_{source.name} "
            f"(load_id BIGINT NOT NULL, run_id BIGINT NOT NULL, line BIGINT NOT NULL, {typed_columns})"
        )
    return statements


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing: tables from sql/schema and the contract, views from sql/staging
    and sql/views, empty marts until the first run fills them; then document them all."""
    for path in sorted((SQL_DIR / "schema").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    for statement in _source_tables_ddl():
        con.execute(statement)
    for path in sorted((SQL_DIR / "staging").glob("*.sql")):
        con.execute(f"CREATE OR REPLACE VIEW {path.stem} AS\n{path.read_text(encoding='utf-8')}")
    _create_empty_marts(con)
    for path in sorted((SQL_DIR / "views").glob("*.sql")):
        con.execute(f"CREATE OR REPLACE VIEW {path.stem} AS\n{path.read_text(encoding='utf-8')}")
    apply_comments(con, [path.stem for path in sorted((SQL_DIR / "comments").glob("*.sql"))])


def _create_empty_marts(con: duckdb.DuckDBPyConnection) -> None:
    """A view binds its tables when it is created, so the marts it reads must exist before the
    first run builds them; analysts opening a fresh warehouse see empty marts, not errors."""
    for name in MARTS:
        mart = sql_text(f"marts/{name}.sql")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {name} AS SELECT * FROM (\n{mart}\n) LIMIT 0",
            {"as_of": date.today(), "since": EVERY_MONTH},
        )


def apply_comments(con: duckdb.DuckDBPyConnection, names: list[str] | tuple[str, ...]) -> None:
    """State each object's grain and columns from sql/comments/<name>.sql: CREATE OR REPLACE
    drops an object's comments, so this runs again after every rebuild."""
    for name in names:
        con.execute(sql_text(f"comments/{name}.sql"))


def build_marts(con: duckdb.DuckDBPyConnection, as_of: date, run_id: int | None = None) -> date:
    """Build the monthly marts up to the as-of month (first day of the month) for run `run_id`,
    each from the first month that changed since its last build (`mart_builds`); returns the
    earliest month rebuilt (EVERY_MONTH: all of them). Without a run id, every month."""
    # DuckDB 2.0 bug: with a lower date bound on the order lines, its compressed
    # materialization packs dealer_month's sums into a too-small integer and the build fails
    # ("Type INT128 ... out of range for the destination type INT8"). Off for the marts only.
    con.execute("SET disabled_optimizers = 'compressed_materialization'")
    rebuilt = []
    changed_since = functools.cache(lambda built_by: _first_changed_month(con, built_by))
    try:
        for name in MARTS:
            mart = sql_text(f"marts/{name}.sql")
            digest = hashlib.sha256(mart.encode()).hexdigest()
            since = None if run_id is None else _mart_since(con, name, digest, as_of, changed_since)
            if since is None:
                con.execute(
                    f"CREATE OR REPLACE TABLE {name} AS\n{mart}",
                    {"as_of": as_of, "since": EVERY_MONTH},
                )
                apply_comments(con, [name])
            else:
                con.execute(f"DELETE FROM {name} WHERE month >= ?", [since])
                con.execute(f"INSERT INTO {name} BY NAME\n{mart}", {"as_of": as_of, "since": since})
            con.execute(
                "INSERT OR REPLACE INTO mart_builds VALUES (?, ?, ?, ?)",
                [name, digest, as_of, run_id],
            )
            rebuilt.append(since or EVERY_MONTH)
    finally:
        con.execute("RESET disabled_optimizers")
    return min(rebuilt)


def _mart_since(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    digest: str,
    as_of: date,
    changed_since: Callable[[int], date | None],
) -> date | None:
    """The first month `mart` must be rebuilt from: the earliest month touched by the rows
    loaded since its last build (`changed_since` of the run that built it), or the month after
    the one it was built to, whichever is first. None: rebuild every month (never built, built
    by another definition or outside a run, or `as_of` goes back before the last build)."""
    last = first_row(
        con, "SELECT definition_sha256, as_of, run_id FROM mart_builds WHERE mart = ?", [mart]
    )
    if last is None or last[0] != digest or last[2] is None or as_of < last[1]:
        return None
    _, built_to, built_by = last
    changed = changed_since(built_by)
    after_build = add_months(built_to, 1)
    return min(changed, after_build) if changed else after_build


def _first_changed_month(con: duckdb.DuckDBPyConnection, built_by: int) -> date | None:
    """The earliest month touched by the rows loaded after run `built_by` (or by the earlier
    rows those restate); None when nothing was loaded since."""
    return first_row(con, sql_text("queries/first_changed_month.sql"), {"built_by": built_by})[0]


def first_row(
    con: duckdb.DuckDBPyConnection, query: str, params: list | dict | None = None
) -> tuple | None:
    """The first row of a query, reading the result to its end (DuckDB won't run the next
    statement on a connection while a result is half-read)."""
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None


def relation(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> duckdb.DuckDBPyRelation:
    """`rows` as a DuckDB relation, for queries that read a frame (`relation.query(name, sql)`,
    or a statement that names the relation's variable).

    Never a registered view: a view registered inside a transaction makes DuckDB 2.0 keep every
    row the transaction appends in memory until commit, while without one the rows go to the
    file as they come (measured on a 4.7 M-row load: a peak RSS of 1.8 GB with views, 1.0 GB
    with relations).
    """
    return con.from_arrow(rows.to_arrow())


def append(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    """Append `rows` to `table`, columns matched by name (the table's others stay null).

    The statement runs on the connection, reading the relation by its name, not as
    `relation.query`: inside a transaction DuckDB 2.0 reports a failing `relation.query` only
    as "Current transaction is aborted", without the constraint that failed. The memory is the
    same (6 M rows appended in one transaction both ways: about 0.42 GB peak).
    """
    rows_to_append = relation(con, rows)  # noqa: F841 (the statement reads it by name)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows_to_append")


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return first_row(con, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")[0]


def published_path(db_path: Path) -> Path:
    """The read-only copy analysts open: data/warehouse.duckdb -> data/warehouse.published.duckdb."""
    return db_path.with_name(f"{db_path.stem}.published{db_path.suffix}")


def publish(db_path: Path, settings: WarehouseSettings | None = None) -> Path:
    """Copy the warehouse to its published file and swap it in with an atomic rename.

    DuckDB lets one process write a file and nobody read it meanwhile; analysts open the
    published copy instead. A reader keeps the copy it opened (its file lives on until it lets
    go), the next reader gets the new one, and no run ever waits for an analyst. While a run
    holds the warehouse, this waits like any writer (warehouse.lock_timeout_seconds), then
    raises WarehouseBusy: a half-written run is never published.
    """
    if not db_path.is_file():
        raise FileNotFoundError(
            f"warehouse {db_path} does not exist (run `dealer-warnings run` first)"
        )
    target = published_path(db_path)
    staging = target.with_name(f"{target.name}.new")
    staging.unlink(missing_ok=True)
    con = connect(db_path, settings)
    try:
        # Checkpointed, the file holds every committed row and no other process can write it
        # while this connection is open: a byte copy is a consistent snapshot, and far cheaper
        # than copying table by table.
        con.execute("CHECKPOINT")
        shutil.copyfile(db_path, staging)
    finally:
        con.close()
    os.replace(staging, target)
    return target
