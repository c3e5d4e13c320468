"""The DuckDB warehouse: connection, schema, and running the SQL files in layer order.

SQL lives in `sql/` as plain statements, one file per table or view, named after it:
`schema/` holds DDL; `staging/` and `views/` hold SELECTs made into views, `marts/` SELECTs
made into tables (with the as-of month as a parameter). Values reach SQL as parameters, never by formatting.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from dealer_warnings.config import WarehouseSettings
from dealer_warnings.contract import SOURCES

_PACKAGE_DIR = Path(__file__).resolve().parent
SQL_DIR = next(p for p in (_PACKAGE_DIR / "sql", _PACKAGE_DIR.parents[1] / "sql") if p.is_dir())
DUCKDB_TYPES = {
    "text": "TEXT",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "date": "DATE",
    "month": "DATE",
}


class WarehouseBusy(RuntimeError):
    """Another process holds the database; the message says what to do."""


def connect(
    db_path: Path, settings: WarehouseSettings | None = None, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the configured memory limit, threads and spill directory."""
    settings = settings or WarehouseSettings()
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, str | int] = {"memory_limit": settings.memory_limit}
    if settings.threads:
        config["threads"] = settings.threads
    if settings.temp_dir:
        config["temp_directory"] = str(settings.temp_dir)
    try:
        return duckdb.connect(str(db_path), read_only=read_only, config=config)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseBusy(
                f"{db_path} is in use by another process (a run still going?); "
                "wait for it to finish and try again"
            ) from error
        raise


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
    """Create what is missing: tables from sql/schema and the contract, views from sql/staging."""
    for path in sorted((SQL_DIR / "schema").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    for statement in _source_tables_ddl():
        con.execute(statement)
    for layer in ("staging", "views"):
        for path in sorted((SQL_DIR / layer).glob("*.sql")):
            con.execute(
                f"CREATE OR REPLACE VIEW {path.stem} AS\n{path.read_text(encoding='utf-8')}"
            )


def build_marts(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Rebuild the monthly marts up to the as-of month (first day of the month)."""
    for name in ("dealer_month", "dealer_sku_month"):
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS\n{sql_text(f'marts/{name}.sql')}", {"as_of": as_of}
        )


def first_row(
    con: duckdb.DuckDBPyConnection, query: str, params: list | None = None
) -> tuple | None:
    """The first row of a query, reading the result to its end (DuckDB won't run the next
    statement on a connection while a result is half-read)."""
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return first_row(con, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")[0]
