"""Load a folder of input files into the warehouse: each file loaded, rejected or skipped, and
each of its rows either loaded or quarantined, all recorded in the `loads` ledger.

Source by source (dealers first, so the other sources are matched against them), file by file:
each file is read, parsed and written, and only a sample of its rows is kept in memory, so a
load needs the memory of its largest file, not of the folder. great-expectations then checks
each source's kept rows as one batch; a row it flags that parsing let through is moved from the
loaded rows to the quarantine. All of it happens inside the caller's transaction.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
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
from dealer_warnings.warehouse import append, first_row, next_id, relation

GX_SAMPLE_SEED = 0  # the same file gives the same sample of rows for great-expectations
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
    load_id: int | None = None  # its row in the `loads` ledger, once loaded

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

    def for_gx(self, quota: int | None) -> ReadFile:
        """What great-expectations checks of this file once it is written: every row parsing
        quarantined and a seeded sample of at most `quota` of the loaded ones (None: all)."""
        if quota is None or self.parsed.good.height <= quota:
            return self
        kept = pl.concat(
            [
                self.parsed.bad.select(LINE),
                self.parsed.good.select(LINE).sample(quota, seed=GX_SAMPLE_SEED),
            ]
        )
        parsed = ParsedBatch(
            self.parsed.good.join(kept, on=LINE, how="semi"),
            self.parsed.bad,
            self.parsed.rows.join(kept, on=LINE, how="semi"),
        )
        batch = self.batch.join(kept.rename({LINE: "line"}), on="line", how="semi")
        return ReadFile(self.path, self.source, self.file_format, batch, parsed,
                        self.set_aside.clear(), self.rows_read, [])  # fmt: skip


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
    `gx_check_rows` loaded rows per source (None: all), and every row parsing quarantined."""
    paths = input_files(input_dir)
    outcomes: dict[Path, FileOutcome] = {}
    checks = []
    for name in SOURCE_ORDER:
        source = SOURCES[name]
        of_source = [p for p in paths if source_for_file(p.name) is source]
        known = _known_dealers(con) if source.needs_known_dealer else None
        quota = None if gx_check_rows is None else -(-gx_check_rows // max(len(of_source), 1))
        kept: dict[Path, tuple[int, ReadFile]] = {}  # load id and GX's rows, per written file
        read_one = functools.partial(_read, source=source, run_date=run_date, known=known,
                                     matcher=matcher)  # fmt: skip
        for path, digest, read in _read_ahead(con, of_source, read_one):
            if on_file:
                on_file(path)
            outcome = write_file(con, path, digest, read, run_id)
            outcomes[path] = outcome
            if isinstance(read, ReadFile) and outcome.load_id is not None:
                kept[path] = (outcome.load_id, read.for_gx(quota))
        checks.append(check_source(con, source, kept, outcomes, run_date, known, matcher))
    for path in paths:  # names that match no source
        if path not in outcomes:
            if on_file:
                on_file(path)
            outcomes[path] = write_file(con, path, sha256(path), None, run_id)
    return FolderLoad([outcomes[p] for p in paths], checks)


def _read_ahead(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    read: Callable[[Path], ReadFile | FileRejected],
) -> Iterator[tuple[Path, str, ReadFile | FileRejected | None]]:
    """Each path with its content's digest and its read (None: that content was loaded
    before), the next file read in a thread while the caller writes this one: reading (Polars)
    and writing (DuckDB) both let go of the interpreter, so on two cores they overlap. A file
    whose twin is written just before it is still read; `write_file` skips it all the same."""

    def start(path: Path) -> tuple[Path, str, Future | None]:
        digest = sha256(path)
        return path, digest, None if _loaded_as(con, digest) else reader.submit(read, path)

    if not paths:
        return
    with ThreadPoolExecutor(max_workers=1) as reader:
        ahead = start(paths[0])
        for following in [*paths[1:], None]:
            path, digest, reading = ahead
            ahead = start(following) if following else None
            yield path, digest, reading.result() if reading else None


def _known_dealers(con: duckdb.DuckDBPyConnection) -> pl.Series:
    """The dealers stored so far, this run's included (its dealer files load first)."""
    return con.sql("SELECT dealer_id FROM stg_dealers ORDER BY dealer_id").pl()["dealer_id"]


def _read(
    path: Path, source: Source, run_date: date, known: pl.Series | None, matcher: HeaderMatcher
) -> ReadFile | FileRejected:
    try:
        return read_file(path, source, run_date, known, matcher)
    except FileRejected as rejection:
        return rejection


def check_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    kept: dict[Path, tuple[int, ReadFile]],
    outcomes: dict[Path, FileOutcome],
    run_date: date,
    known: pl.Series | None,
    matcher: HeaderMatcher,
) -> BatchCheck:
    """great-expectations over the kept rows of the source's written files; the loaded rows it
    flags are moved to the quarantine. When GX finds such a row in a sample, parsing has a
    hole: every row of those files is read again and checked (only on such a night)."""
    rules = contract_rules(source, run_date, None if known is None else tuple(known))
    parsed = {path.name: read.parsed for path, (_, read) in kept.items()}
    total = sum(outcomes[path].rows_read for path in kept)
    check = validate.check_batch(source.name, rules, parsed)
    verdicts = _reconciled(check, kept)
    sampled = any(
        read.parsed.rows.height < outcomes[path].rows_read for path, (_, read) in kept.items()
    )
    if sampled and any(agreement["gx_only"] for _, agreement in verdicts.values()):
        kept = {path: (load_id, read_file(path, source, run_date, known, matcher))
                for path, (load_id, _) in kept.items()}  # fmt: skip
        parsed = {path.name: read.parsed for path, (_, read) in kept.items()}
        check = validate.check_batch(source.name, rules, parsed)
        verdicts = _reconciled(check, kept)
    check.total = total
    for path, (load_id, read) in kept.items():
        reconciled, agreement = verdicts[path]
        for key, count in agreement.items():
            setattr(check, key, getattr(check, key) + count)
        if agreement["gx_only"]:
            caught = reconciled.bad.join(read.parsed.bad, on=LINE, how="anti")
            outcomes[path] = _move_to_quarantine(con, read, load_id, caught, outcomes[path])
    return check


def _reconciled(
    check: BatchCheck, kept: dict[Path, tuple[int, ReadFile]]
) -> dict[Path, tuple[ParsedBatch, dict[str, int]]]:
    """Per file, parsing's verdict with GX's folded in, and where the two agreed."""
    return {
        path: validate.reconcile(read.parsed, check.failures_of(path.name))
        for path, (_, read) in kept.items()
    }


def _move_to_quarantine(
    con: duckdb.DuckDBPyConnection,
    read: ReadFile,
    load_id: int,
    caught: pl.DataFrame,
    outcome: FileOutcome,
) -> FileOutcome:
    """Rows of a written file that only GX flagged: out of valid_, into the quarantine, and
    the file's ledger row says so."""
    source = read.source
    bad = with_row_json(caught.rename({LINE: "line"}), read.batch).select(list(QUARANTINE_SCHEMA))
    con.execute(
        f"DELETE FROM valid_{source.name} WHERE load_id = ? AND list_contains(?, line)",
        [load_id, bad["line"].to_list()],
    )
    append(con, "quarantine", _quarantine_rows(bad, load_id, source.name, read.path.name))
    first = caught.row(0, named=True)
    note = (
        f"{caught.height} row(s) caught by the great-expectations check only, e.g. line "
        f"{first[LINE]}: {first['reason']}"
    )
    outcome = replace(
        outcome,
        rows_loaded=outcome.rows_loaded - caught.height,
        rows_quarantined=outcome.rows_quarantined + caught.height,
        message="; ".join(m for m in (outcome.message, note) if m),
    )
    con.execute(
        "UPDATE loads SET rows_loaded = ?, rows_quarantined = ?, message = ? WHERE load_id = ?",
        [outcome.rows_loaded, outcome.rows_quarantined, outcome.message, load_id],
    )
    return outcome


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

    valid = good.with_columns(
        pl.lit(load_id, pl.Int64).alias("load_id"), pl.lit(run_id, pl.Int64).alias("run_id")
    )
    replaced = _count_replaced(con, source, valid)
    append(
        con,
        f"raw_{source.name}",
        read.batch.with_columns(pl.lit(load_id, pl.Int64).alias("load_id")),
    )
    append(con, f"valid_{source.name}", valid)
    append(con, "quarantine", _quarantine_rows(bad, load_id, source.name, read.path.name))

    notes = list(read.notes)
    judged_bad = parsed.bad
    if judged_bad.height:
        first = judged_bad.row(0, named=True)
        notes.append(
            f"{judged_bad.height} row(s) quarantined, e.g. line {first[LINE]}: {first['reason']}"
        )
    return FileOutcome(
        read.path.name, source.name, "loaded", "; ".join(notes),
        rows_read=read.rows_read, rows_loaded=good.height,
        rows_quarantined=bad.height, rows_replaced=replaced, file_format=read.file_format,
        load_id=load_id,
    )  # fmt: skip


def _quarantine_rows(bad: pl.DataFrame, load_id: int, source: str, file_name: str) -> pl.DataFrame:
    """QUARANTINE_SCHEMA rows as the quarantine table stores them: with their file's load."""
    return bad.with_columns(
        pl.lit(load_id, pl.Int64).alias("load_id"),
        pl.lit(source).alias("source"),
        pl.lit(file_name).alias("file_name"),
    )


def _count_replaced(con: duckdb.DuckDBPyConnection, source: Source, valid: pl.DataFrame) -> int:
    """Rows already in staging that this batch of valid rows (with its run_id) restates
    (orders: whole earlier orders' lines)."""
    if source.name == "orders":
        # The earlier runs' lines of the batch's orders that staging still counts (those of
        # each order's latest earlier run); only the batch's orders are looked at.
        query = """
            SELECT count(*) FROM (
                SELECT run_id, max(run_id) OVER (PARTITION BY order_id) AS latest_run_id
                FROM valid_orders SEMI JOIN batch_valid USING (order_id)
                WHERE run_id < (SELECT min(run_id) FROM batch_valid)
            )
            WHERE run_id = latest_run_id"""
    else:
        on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM b.{k}" for k in source.key)
        query = f"SELECT count(*) FROM stg_{source.name} s SEMI JOIN batch_valid b ON {on}"
    return relation(con, valid).query("batch_valid", query).fetchall()[0][0]


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
