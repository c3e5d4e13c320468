"""Load a folder of input files into the warehouse: each file loaded, rejected or skipped, and
each of its rows either loaded or quarantined, all recorded in the `loads` ledger.

In three passes: every new file is read and parsed (dealers first, so the other sources can be
matched against them); great-expectations checks each source's rows as one batch; then each
file is written. A file's rows are written only once both checks have judged them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from dealer_warnings import validate
from dealer_warnings.contract import SOURCE_ORDER, SOURCES, Source, source_for_file
from dealer_warnings.ingest.headers import HeaderMatcher
from dealer_warnings.ingest.parse import ParsedBatch, parse_batch
from dealer_warnings.ingest.readers import LINE, FileRejected, read_table
from dealer_warnings.ingest.rules import contract_rules
from dealer_warnings.ingest.totals import TOTAL_REASON, total_rows
from dealer_warnings.validate import BatchCheck
from dealer_warnings.warehouse import first_row, next_id

QUARANTINE_SCHEMA = {
    "line": pl.Int64,
    "column_name": pl.Utf8,
    "value": pl.Utf8,
    "reason": pl.Utf8,
    "row_json": pl.Utf8,
}


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


@dataclass
class ReadFile:
    """One file read and judged, nothing written yet."""

    path: Path
    source: Source
    file_format: str
    batch: pl.DataFrame  # every row that maps onto the header: line, contract columns, extras
    parsed: ParsedBatch  # the data rows (total rows left out), typed and judged
    set_aside: pl.DataFrame  # QUARANTINE_SCHEMA: total rows and lines that fit no column
    rows_read: int  # the batch's rows and the lines that fit no column
    notes: list[str]
    gx_only: int = 0  # rows only the great-expectations check flagged

    def fold_in(self, check: BatchCheck) -> None:
        """Take the great-expectations verdict on this file's rows into its judgement."""
        self.parsed, agreement = validate.reconcile(self.parsed, check.failures_of(self.path.name))
        self.gx_only = agreement["gx_only"]
        for key, count in agreement.items():
            setattr(check, key, getattr(check, key) + count)


@dataclass
class FolderLoad:
    files: list[FileOutcome]
    checks: list[BatchCheck]


def load_folder(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    run_id: int,
    run_date: date,
    matcher: HeaderMatcher,
    on_file: Callable[[Path], None] | None = None,
    gx_check_rows: int | None = None,
) -> FolderLoad:
    """Load every new file of the folder inside the caller's transaction; GX checks at most
    `gx_check_rows` loaded rows per source (None: all)."""
    paths = input_files(input_dir)
    stored_dealers = set(con.sql("SELECT dealer_id FROM stg_dealers").pl()["dealer_id"])
    reads = read_files(con, paths, run_date, matcher, stored_dealers, on_file)
    checks = check_sources(reads.values(), run_date, stored_dealers, gx_check_rows)
    files = [write_file(con, path, digest, read, run_id) for path, (digest, read) in reads.items()]
    return FolderLoad(files, checks)


Read = tuple[str, "ReadFile | FileRejected | None"]  # digest, and the file read or why not


def read_files(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    run_date: date,
    matcher: HeaderMatcher,
    stored_dealers: set[str],
    on_file: Callable[[Path], None] | None,
) -> dict[Path, Read]:
    """Read and parse every file that is new and belongs to a source (None: skipped or ignored).

    `paths` come dealers first; other sources are matched against the stored dealers and the
    dealer rows read before them.
    """
    reads: dict[Path, Read] = {}
    read_digests: set[str] = set()
    known = set(stored_dealers)
    for path in paths:
        if on_file:
            on_file(path)
        digest, source = sha256(path), source_for_file(path.name)
        if source is None or digest in read_digests or _loaded_as(con, digest):
            reads[path] = (digest, None)
            continue
        dealers = pl.Series(sorted(known), dtype=pl.Utf8) if source.needs_known_dealer else None
        try:
            read = read_file(path, source, run_date, dealers, matcher)
        except FileRejected as rejection:
            reads[path] = (digest, rejection)
            continue
        reads[path] = (digest, read)
        read_digests.add(digest)
        if source.name == "dealers":
            known |= set(read.parsed.good["dealer_id"])
    return reads


def check_sources(
    reads: Iterable[Read], run_date: date, stored_dealers: set[str], sample_rows: int | None
) -> list[BatchCheck]:
    """great-expectations over each source's rows, folded into each file's judgement.

    Dealer ids are checked against the stored dealers and the dealer rows this check let pass.
    """
    files = [read for _, read in reads if isinstance(read, ReadFile)]
    known = set(stored_dealers)
    checks = []
    for name in SOURCE_ORDER:
        source = SOURCES[name]
        of_source = [f for f in files if f.source is source]
        dealers = tuple(sorted(known)) if source.needs_known_dealer else None
        check = validate.check_batch(
            name,
            contract_rules(source, run_date, dealers),
            {f.path.name: f.parsed for f in of_source},
            sample_rows,
        )
        for read in of_source:
            read.fold_in(check)
            if name == "dealers":
                known |= set(read.parsed.good["dealer_id"])
        checks.append(check)
    return checks


def _loaded_as(con: duckdb.DuckDBPyConnection, digest: str) -> tuple | None:
    """(file name, load id) of the first load of this content, if any."""
    return first_row(
        con,
        "SELECT file_name, load_id FROM loads WHERE sha256 = ? AND status = 'loaded' "
        "ORDER BY load_id LIMIT 1",
        [digest],
    )


def read_file(
    path: Path, source: Source, run_date: date, known: pl.Series | None, matcher: HeaderMatcher
) -> ReadFile:
    """Read, map and parse one file; raises FileRejected when the file cannot be used at all."""
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
    rows = batch.drop("extra_columns").rename({"line": LINE})
    totals = total_rows(table.frame, rows, source)
    parsed = parse_batch(
        rows.filter(~pl.col(LINE).is_in(totals[LINE].implode())), source, run_date, known
    )
    set_aside = pl.concat([
        with_row_json(
            totals.with_columns(pl.lit(TOTAL_REASON).alias("reason")).rename({LINE: "line"}),
            batch,
        ),
        table.malformed.select(
            pl.col(LINE).alias("line"), pl.lit(None, pl.Utf8).alias("column_name"),
            "value", "reason", "row_json",
        ),
    ]).select(list(QUARANTINE_SCHEMA)).cast(QUARANTINE_SCHEMA)  # fmt: skip
    notes = list(table.notes)
    if totals.height:
        notes.append(
            f"{totals.height} total row(s) quarantined, not loaded as data "
            f"(line {', '.join(map(str, totals[LINE].head(3)))})"
        )
    if table.malformed.height:
        notes.append(
            f"{table.malformed.height} line(s) with more fields than the header quarantined "
            f"(line {', '.join(map(str, table.malformed[LINE].head(3)))})"
        )
    if batch.height == 0 and table.malformed.height == 0:
        notes.append("no data rows under the header")
    rows_read = batch.height + table.malformed.height
    return ReadFile(path, source, table.encoding, batch, parsed, set_aside, rows_read, notes)


def with_row_json(quarantined: pl.DataFrame, batch: pl.DataFrame) -> pl.DataFrame:
    """`quarantined` (with `line`) plus `row_json`: its rows of `batch` as read, as JSON.

    Encoded for the quarantined lines only: the loaded rows never need it.
    """
    cells = batch.drop("extra_columns").join(quarantined.select("line"), on="line", how="semi")
    row_json = cells.select(
        "line", pl.struct(pl.exclude("line")).struct.json_encode().alias("row_json")
    )
    return quarantined.join(row_json, on="line", how="left")


def write_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    digest: str,
    read: ReadFile | FileRejected | None,
    run_id: int,
) -> FileOutcome:
    """Write one file's rows and its ledger row; `read` None means it was not read (an earlier
    file has the same content, or the name matches no source)."""
    source = source_for_file(path.name)
    source_name = source.name if source else None
    seen = _loaded_as(con, digest)
    if seen:
        return FileOutcome(
            path.name, source_name, "skipped",
            f"same content as {seen[0]} (loaded in load {seen[1]}); nothing changed",
        )  # fmt: skip
    load_id = next_id(con, "loads", "load_id")
    if isinstance(read, ReadFile):
        outcome = _insert(con, read, load_id, run_id)
    elif isinstance(read, FileRejected):
        outcome = FileOutcome(path.name, source_name, "rejected", str(read))
    else:
        outcome = FileOutcome(
            path.name, None, "ignored",
            "name matches no source (expected a name starting with "
            + ", ".join(SOURCE_ORDER) + ")",
        )  # fmt: skip
    # A rejected or ignored file is tried again every run (an alias may have been added since)
    # and reported again, but the ledger records each distinct outcome of it only once.
    if outcome.status == "loaded" or not first_row(
        con,
        "SELECT 1 FROM loads WHERE sha256 = ? AND status = ? AND message IS NOT DISTINCT FROM ?",
        [digest, outcome.status, outcome.message],
    ):
        _record(con, path, digest, load_id, run_id, outcome)
    return outcome


def _insert(
    con: duckdb.DuckDBPyConnection, read: ReadFile, load_id: int, run_id: int
) -> FileOutcome:
    source, parsed = read.source, read.parsed
    good = parsed.good.rename({LINE: "line"})
    judged = with_row_json(parsed.bad.rename({LINE: "line"}), read.batch)
    bad = pl.concat([read.set_aside, judged.select(list(QUARANTINE_SCHEMA))]).sort("line")

    con.register("batch_raw", read.batch)
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
        [load_id, source.name, read.path.name],
    )
    for view in ("batch_raw", "batch_valid", "batch_bad"):
        con.unregister(view)

    notes = list(read.notes)
    judged_bad = parsed.bad
    if judged_bad.height:
        first = judged_bad.row(0, named=True)
        notes.append(
            f"{judged_bad.height} row(s) quarantined, e.g. line {first[LINE]}: {first['reason']}"
        )
    if read.gx_only:
        notes.append(f"{read.gx_only} of them caught by the great-expectations check only")
    return FileOutcome(
        read.path.name, source.name, "loaded", "; ".join(notes),
        rows_read=read.rows_read, rows_loaded=good.height,
        rows_quarantined=bad.height, rows_replaced=replaced, file_format=read.file_format,
    )  # fmt: skip


def _count_replaced(con: duckdb.DuckDBPyConnection, source: Source, run_id: int) -> int:
    """Rows already in staging that this batch restates (orders: whole earlier orders' lines)."""
    if source.name == "orders":
        # The earlier runs' lines of the batch's orders that staging still counts (those of
        # each order's latest earlier run); only the batch's orders are looked at.
        query = """
            SELECT count(*) FROM (
                SELECT run_id, max(run_id) OVER (PARTITION BY order_id) AS latest_run_id
                FROM valid_orders SEMI JOIN batch_valid USING (order_id)
                WHERE run_id < ?
            )
            WHERE run_id = latest_run_id"""
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
