"""Load a folder of input files into the warehouse: each file loaded, rejected or skipped, and
each of its rows either loaded or quarantined, all recorded in the `loads` ledger."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from dealer_warnings.contract import SOURCE_ORDER, Source, source_for_file
from dealer_warnings.ingest.headers import HeaderMatcher
from dealer_warnings.ingest.parse import parse_batch
from dealer_warnings.ingest.readers import LINE, FileRejected, read_table
from dealer_warnings.warehouse import first_row, next_id


@dataclass
class FileOutcome:
    file_name: str
    source: str | None
    status: str  # loaded | rejected | ignored | skipped
    message: str = ""
    file_format: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_replaced: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_files(input_dir: Path) -> list[Path]:
    """The folder's files, dealer master data first (other sources are matched against it)."""
    files = [
        p for p in sorted(input_dir.iterdir()) if p.is_file() and not p.name.startswith((".", "~$"))
    ]
    rank = {name: i for i, name in enumerate(SOURCE_ORDER)}

    def order(path: Path) -> tuple[int, str]:
        source = source_for_file(path.name)
        return (rank[source.name] if source else len(rank), path.name)

    return sorted(files, key=order)


def load_folder(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    run_id: int,
    run_date: date,
    matcher: HeaderMatcher,
    on_file: Callable[[Path], None] | None = None,
) -> list[FileOutcome]:
    """Load every new file of the folder inside the caller's transaction."""
    outcomes = []
    for path in input_files(input_dir):
        if on_file:
            on_file(path)
        outcomes.append(load_file(con, path, run_id, run_date, matcher))
    return outcomes


def load_file(
    con: duckdb.DuckDBPyConnection, path: Path, run_id: int, run_date: date, matcher: HeaderMatcher
) -> FileOutcome:
    digest = sha256(path)
    seen = first_row(
        con,
        "SELECT file_name, status, load_id FROM loads WHERE sha256 = ? AND status = 'loaded' "
        "ORDER BY load_id LIMIT 1",
        [digest],
    )
    source = source_for_file(path.name)
    source_name = source.name if source else None
    if seen:
        return FileOutcome(
            path.name, source_name, "skipped",
            f"same content as {seen[0]} (loaded in load {seen[2]}); nothing changed",
        )  # fmt: skip
    load_id = next_id(con, "loads", "load_id")
    if source is None:
        outcome = FileOutcome(
            path.name, None, "ignored",
            "name matches no source (expected a name starting with "
            + ", ".join(SOURCE_ORDER) + ")",
        )  # fmt: skip
    else:
        try:
            outcome = _load_rows(con, path, source, load_id, run_id, run_date, matcher)
        except FileRejected as rejection:
            outcome = FileOutcome(path.name, source.name, "rejected", str(rejection))
    # A rejected or ignored file is tried again every run (an alias may have been added since)
    # and reported again, but the ledger records each distinct outcome of it only once.
    if outcome.status == "loaded" or not first_row(
        con,
        "SELECT 1 FROM loads WHERE sha256 = ? AND status = ? AND message IS NOT DISTINCT FROM ?",
        [digest, outcome.status, outcome.message],
    ):
        _record(con, path, digest, load_id, run_id, outcome)
    return outcome


def _load_rows(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: Source,
    load_id: int,
    run_id: int,
    run_date: date,
    matcher: HeaderMatcher,
) -> FileOutcome:
    table = read_table(path, matcher.header_score(source))
    headers = [c for c in table.frame.columns if c != LINE]
    mapping = matcher.map(headers, source)
    if mapping.missing_required:
        raise FileRejected(
            f"missing required column(s) {', '.join(mapping.missing_required)} "
            f"(header on line {table.header_line}: {', '.join(headers)}; expected the "
            f"{source.name} columns {', '.join(source.column_names)} or their aliases)"
        )
    if mapping.duplicated:
        clashes = "; ".join(f"{', '.join(hs)} all mean {c}" for c, hs in mapping.duplicated.items())
        raise FileRejected(f"ambiguous header: {clashes} (expected one column each)")

    extras = (
        pl.struct(mapping.extra).struct.json_encode() if mapping.extra else pl.lit(None, pl.Utf8)
    )
    batch = table.frame.select(
        pl.col(LINE).alias("line"),
        *[pl.col(h).cast(pl.Utf8).alias(c) for h, c in mapping.to_contract.items()],
        extras.alias("extra_columns"),
    )
    known = None
    if source.needs_known_dealer:
        known = con.sql("SELECT dealer_id FROM stg_dealers").pl()["dealer_id"]
    parsed = parse_batch(
        batch.drop("extra_columns").rename({"line": LINE}), source, run_date, known
    )
    good = parsed.good.rename({LINE: "line"})
    row_json = batch.select(
        "line",
        pl.struct(list(mapping.to_contract.values())).struct.json_encode().alias("row_json"),
    )
    bad = parsed.bad.rename({LINE: "line"}).join(row_json, on="line", how="left")

    # Everything that can fail on bad input happened above; from here on only inserts.
    con.register("batch_raw", batch)
    con.register("batch_valid", good)
    con.register("batch_bad", bad)
    replaced = _count_replaced(con, source, run_id)
    con.execute(
        f"INSERT INTO raw_{source.name} BY NAME SELECT ?::BIGINT AS load_id, * FROM batch_raw",
        [load_id],
    )
    con.execute(
        f"INSERT INTO valid_{source.name} BY NAME "
        "SELECT ?::BIGINT AS load_id, ?::BIGINT AS run_id, * FROM batch_valid",
        [load_id, run_id],
    )
    con.execute(
        "INSERT INTO quarantine BY NAME SELECT ?::BIGINT AS load_id, ? AS source, "
        "? AS file_name, * FROM batch_bad",
        [load_id, source.name, path.name],
    )
    for view in ("batch_raw", "batch_valid", "batch_bad"):
        con.unregister(view)

    notes = list(table.notes)
    if batch.height == 0:
        notes.append("no data rows under the header")
    if bad.height:
        first = bad.row(0, named=True)
        notes.append(
            f"{bad.height} row(s) quarantined, e.g. line {first['line']}: {first['reason']}"
        )
    return FileOutcome(
        path.name, source.name, "loaded", "; ".join(notes),
        rows_read=batch.height, rows_loaded=good.height,
        rows_quarantined=bad.height, rows_replaced=replaced, file_format=table.encoding,
    )  # fmt: skip


def _count_replaced(con: duckdb.DuckDBPyConnection, source: Source, run_id: int) -> int:
    """Rows already in staging that this batch restates (orders: whole earlier orders' lines)."""
    if source.name == "orders":
        query = (
            "SELECT count(*) FROM stg_orders WHERE run_id < ? "
            "AND order_id IN (SELECT order_id FROM batch_valid)"
        )
        return first_row(con, query, [run_id])[0]
    on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM b.{k}" for k in source.key)
    query = f"SELECT count(*) FROM stg_{source.name} s SEMI JOIN batch_valid b ON {on}"
    return first_row(con, query)[0]


def _record(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    digest: str,
    load_id: int,
    run_id: int,
    outcome: FileOutcome,
) -> None:
    values = {
        "load_id": load_id,
        "run_id": run_id,
        "file_name": outcome.file_name,
        "path": str(path.resolve()),
        "sha256": digest,
        "source": outcome.source,
        "file_format": outcome.file_format,
        "rows_read": outcome.rows_read,
        "rows_loaded": outcome.rows_loaded,
        "rows_quarantined": outcome.rows_quarantined,
        "rows_replaced": outcome.rows_replaced,
        "status": outcome.status,
        "message": outcome.message,
    }
    columns = ", ".join(values)
    con.execute(
        f"INSERT INTO loads ({columns}) VALUES ({', '.join('?' * len(values))})",
        list(values.values()),
    )
