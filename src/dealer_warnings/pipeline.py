"""The pipeline's steps as plain functions: the CLI and the Prefect flows both call these.

run: load + detect + the marts' validation, all in one transaction (what `dealer-warnings run` does).
load: new files -> raw / valid / quarantine, in one transaction.
detect: marts up to the as-of month -> alerts and dealer_risk for that month, in one transaction.
backfill_months: the same for a range of months, each month seeing only data up to itself.
notify: tell each dealer's people what changed in a month's alerts, then deliver the e-mails.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from dealer_warnings import validate, warehouse
from dealer_warnings.config import DetectSettings, Settings
from dealer_warnings.detect import INDICATORS, DetectInput, alerts_of, detect_readings
from dealer_warnings.health import grade_health
from dealer_warnings.ingest.headers import HeaderMatcher
from dealer_warnings.ingest.loader import FileOutcome, FolderLoad, load_folder
from dealer_warnings.months import last_complete_month
from dealer_warnings.notify import (
    NotifyReport,
    deliver_pending,
    load_routing,
    prepare_messages,
    report_link,
)
from dealer_warnings.rank import outlier_scores, rank_dealers, risk_parts


class InputError(ValueError):
    """A problem with what the user asked for (folder, month), said in plain words."""


_MONTH = re.compile(r"^(\d{4})[-/]?(\d{1,2})$")


def parse_month(text: str) -> date:
    """'2026-10', '2026/10' or '202610' -> date(2026, 10, 1)."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InputError(f"month '{text}' not understood (expected YYYY-MM, e.g. 2026-10)")
    return date(int(match.group(1)), int(match.group(2)), 1)


@dataclass
class LoadReport:
    run_id: int
    input_dir: str
    files: list[FileOutcome] = field(default_factory=list)
    checks: list[validate.BatchCheck] = field(default_factory=list)
    validation_report: Path | None = None
    db_path: Path | None = None

    def totals(self) -> dict[str, int]:
        statuses = Counter(f.status for f in self.files)
        return {
            "files_loaded": statuses["loaded"],
            "files_rejected": statuses["rejected"],
            "files_ignored": statuses["ignored"],
            "files_skipped": statuses["skipped"],
            "rows_read": sum(f.rows_read for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
            "rows_replaced": sum(f.rows_replaced for f in self.files),
        }

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "input_dir": self.input_dir,
            "totals": self.totals(),
            "files": [f.to_dict() for f in self.files],
        }

    def summary(self) -> str:
        t = self.totals()
        lines = [
            f"Loaded {t['files_loaded']} new file(s) from {self.input_dir}: "
            f"{t['rows_loaded']:,} rows loaded, {t['rows_quarantined']:,} quarantined, "
            f"{t['rows_replaced']:,} earlier rows restated; {t['files_skipped']} file(s) unchanged, "
            f"{t['files_rejected']} rejected, {t['files_ignored']} ignored."
        ]
        lines += [
            f"  {f.status}: {f.file_name}: {f.message}"
            for f in self.files
            if f.status in ("rejected", "ignored") or f.rows_quarantined
        ]
        if t["rows_quarantined"]:
            db = f" --db {self.db_path}" if self.db_path else ""
            lines.append(
                f"{t['rows_quarantined']:,} quarantined row(s): list them with "
                f"`dealer-warnings quarantine{db}` (add --file NAME for one file)."
            )
        if self.checks:
            confirmed = sum(c.confirmed for c in self.checks)
            gx_only = sum(c.gx_only for c in self.checks)
            checked, total = sum(c.rows for c in self.checks), sum(c.total for c in self.checks)
            lines.append(
                f"great-expectations checked {checked:,} incoming row(s)"
                + (f" (a sample of {total:,})" if checked < total else "")
                + f": confirmed {confirmed:,} quarantined row(s), caught {gx_only:,} more"
                + (f"; report: {self.validation_report}" if self.validation_report else ".")
            )
        return "\n".join(lines)


@dataclass
class DetectReport:
    run_id: int
    first_month: date
    last_month: date
    alerts_by_indicator: dict[str, int]
    top: list[dict]  # the last month's ranked dealers, best first
    rebuilt_from: date = date.min  # the first month whose marts, alerts and ranks it rewrote

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "first_month": self.first_month.isoformat(),
            "last_month": self.last_month.isoformat(),
            "alerts_by_indicator": self.alerts_by_indicator,
            "top": [
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
                for row in self.top
            ],
        }

    def summary(self) -> str:
        period = f"{self.first_month:%Y-%m}" + (
            f"..{self.last_month:%Y-%m}" if self.first_month != self.last_month else ""
        )
        counts = ", ".join(f"{k} {v}" for k, v in self.alerts_by_indicator.items())
        lines = [f"Alerts for {period}: {sum(self.alerts_by_indicator.values())} ({counts})."]
        if self.top:
            lines.append(f"Dealers to call first, {self.last_month:%Y-%m}:")
            lines += [
                f"  {row['rank']:>2}. {row['dealer_id']} {row['dealer_name'] or ''} "
                f"[{row['region']}] risk {row['risk_score']:.1f}: {row['explanation']}"
                for row in self.top
            ]
        return "\n".join(lines)


def _start_run(con: duckdb.DuckDBPyConnection, kind: str, settings: Settings, **values) -> int:
    run_id = warehouse.next_id(con, "runs", "run_id")
    con.execute(
        "INSERT INTO runs (run_id, kind, input_dir, run_date, as_of) VALUES (?, ?, ?, ?, ?)",
        [run_id, kind, values.get("input_dir"), run_date(settings), values.get("as_of")],
    )
    return run_id


def run_date(settings: Settings) -> date:
    return settings.ingest.run_date or date.today()


def _open(db_path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    con = warehouse.connect(db_path, settings.warehouse)
    warehouse.migrate(con)
    return con


def validation_folder(db_path: Path, run_id: int) -> Path:
    """Where a run's validation report goes: data/warehouse.duckdb -> data/warehouse-validation/7/."""
    return db_path.parent / f"{db_path.stem}-validation" / str(run_id)


def _check_input(input_dir: Path) -> None:
    if not input_dir.is_dir():
        raise InputError(
            f"input folder {input_dir} does not exist or is not a folder "
            "(expected a folder of dealers*, sales*, orders*, complaints*, quality* files)"
        )


def _load_in(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    input_dir: Path,
    settings: Settings,
    on_file: Callable[[Path], None] | None,
) -> FolderLoad:
    """Load the folder inside the caller's transaction."""
    matcher = HeaderMatcher(settings.ingest.aliases)
    return load_folder(
        con, input_dir, run_id, run_date(settings), matcher, on_file, settings.ingest.gx_check_rows
    )


def _record_report(
    con: duckdb.DuckDBPyConnection,
    db_path: Path,
    run_id: int,
    checks: list[validate.BatchCheck],
    marts: validate.MartCheck | None,
) -> Path:
    page = validate.render_report(run_id, checks, marts)
    path = validate.write_report(validation_folder(db_path, run_id), page)
    con.execute("UPDATE runs SET validation_report = ? WHERE run_id = ?", [str(path), run_id])
    return path


def load(
    input_dir: Path,
    db_path: Path,
    settings: Settings,
    on_file: Callable[[Path], None] | None = None,
) -> LoadReport:
    """Load every new file of `input_dir`; all or nothing."""
    _check_input(input_dir)
    con = _open(db_path, settings)
    try:
        con.begin()
        run_id = _start_run(con, "load", settings, input_dir=str(input_dir))
        loaded = _load_in(con, run_id, input_dir, settings, on_file)
        report = _record_report(con, db_path, run_id, loaded.checks, None)
        con.commit()
    finally:
        con.close()
    return LoadReport(run_id, str(input_dir), loaded.files, loaded.checks, report, db_path)


# Every indicator's readings from the marts; the default computes them in this process.
ReadingsOf = Callable[[DetectInput, DetectSettings], pl.DataFrame]


@dataclass
class RunReport:
    load: LoadReport
    detect: DetectReport
    marts: validate.MartCheck


def run(
    input_dir: Path,
    db_path: Path,
    as_of: date | None,
    settings: Settings,
    on_file: Callable[[Path], None] | None = None,
    readings_of: ReadingsOf = detect_readings,
) -> RunReport:
    """Load what is new, rebuild the marts, alerts and ranks for the as-of month and check the
    marts, in one transaction: a run that fails or is killed leaves the warehouse as it was.
    `readings_of` computes the readings from the marts (flows/partitioned.py: on a Dask cluster).

    Raises validate.MartsInvalid (after writing the report) when a mart expectation fails.
    """
    _check_input(input_dir)
    month = as_of or last_complete_month(run_date(settings))
    con = _open(db_path, settings)
    try:
        con.begin()
        run_id = _start_run(con, "run", settings, input_dir=str(input_dir), as_of=month)
        loaded = _load_in(con, run_id, input_dir, settings, on_file)
        detected = _detect_in(con, run_id, month, month, settings, readings_of)
        marts = validate.check_marts(con, detected.rebuilt_from)
        report = _record_report(con, db_path, run_id, loaded.checks, marts)
        if marts.failed:
            raise validate.MartsInvalid(
                "the marts failed validation, so nothing of this run was kept: "
                + "; ".join(o.describe() for o in marts.failed)
                + f" (report: {report})"
            )
        con.commit()
    finally:
        con.close()
    load_report = LoadReport(run_id, str(input_dir), loaded.files, loaded.checks, report, db_path)
    return RunReport(load_report, detected, marts)


def detect(db_path: Path, as_of: date | None, settings: Settings) -> DetectReport:
    """Alerts and ranks for one month (default: the last complete month before the run date)."""
    month = as_of or last_complete_month(run_date(settings))
    return backfill_months(db_path, month, month, settings)


def backfill_months(db_path: Path, first: date, last: date, settings: Settings) -> DetectReport:
    """Alerts and ranks for every month first..last; month M uses only data up to M."""
    if first > last:
        raise InputError(f"--from {first:%Y-%m} is after --to {last:%Y-%m}")
    con = _open(db_path, settings)
    try:
        con.begin()
        kind = "detect" if first == last else "backfill"
        run_id = _start_run(con, kind, settings, as_of=last)
        report = _detect_in(con, run_id, first, last, settings)
        con.commit()
    finally:
        con.close()
    return report


def _detect_in(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    first: date,
    last: date,
    settings: Settings,
    readings_of: ReadingsOf = detect_readings,
) -> DetectReport:
    """Marts up to `last`, then readings, alerts, ranks and health grades for first..last, in
    the caller's transaction. Every month's rows use only data up to that month."""
    rebuilt_from = min(warehouse.build_marts(con, last, run_id), first)
    inputs = read_detect_input(con)
    readings = readings_of(inputs, settings.detect)
    in_range = pl.col("month").is_between(first, last)
    alerts = alerts_of(readings, first, last).with_columns(pl.lit(run_id, pl.Int64).alias("run_id"))
    # Only a dealer-month with an alert is ranked, so only those need an outlier part.
    outliers = outlier_scores(
        readings, INDICATORS, first, last, alerts.select("month", "dealer_id")
    )
    health = grade_health(
        inputs.dealer_month, readings.filter(pl.col("fired")), settings.detect.health, first, last
    )
    _replace_months(con, "indicator_readings", readings.filter(in_range), first, last)
    _replace_months(con, "alerts", alerts, first, last)
    parts = risk_parts(alerts, outliers)
    _replace_months(con, "dealer_risk", rank_dealers(parts), first, last)
    _replace_months(con, "dealer_risk_parts", parts, first, last)
    _replace_months(con, "dealer_health", health, first, last)
    counts = dict.fromkeys(INDICATORS, 0) | dict(alerts.group_by("indicator").len().iter_rows())
    top = con.sql(
        "SELECT * FROM ranked_alerts WHERE month = ? ORDER BY rank LIMIT ?",
        params=[last, settings.top_n],
    ).pl()
    return DetectReport(run_id, first, last, counts, top.to_dicts(), rebuilt_from)


def read_detect_input(con: duckdb.DuckDBPyConnection) -> DetectInput:
    """The marts (as last built) and the dealers, as detection reads them: in each mart's
    own order (an incremental build appends its months at the end of the table)."""

    def table(query: str) -> pl.DataFrame:
        return con.sql(query).pl()

    return DetectInput(
        dealer_month=table("SELECT * FROM dealer_month ORDER BY dealer_id, month"),
        dealer_sku_month=table("SELECT * FROM dealer_sku_month ORDER BY dealer_id, sku, month"),
        dealers=table("SELECT dealer_id, region, tier FROM stg_dealers"),
        dealer_category_month=table(
            "SELECT * FROM dealer_category_month ORDER BY dealer_id, month, category"
        ),
        dealer_case_month=table(
            "SELECT * FROM dealer_case_month ORDER BY dealer_id, month, opened_on, complaint_id"
        ),
        dealer_style_month=table(
            "SELECT * FROM dealer_style_month ORDER BY dealer_id, month, style"
        ),
        dealer_defect_month=table(
            "SELECT * FROM dealer_defect_month ORDER BY dealer_id, month, sku, defect_type"
        ),
    )


def _replace_months(
    con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame, first: date, last: date
) -> None:
    """Recomputed months replace what an earlier run stored for them."""
    con.execute(f"DELETE FROM {table} WHERE month BETWEEN ? AND ?", [first, last])
    warehouse.append(con, table, rows)


def notify(db_path: Path, as_of: date | None, settings: Settings) -> NotifyReport:
    """Record the e-mails for the alerts of `as_of` (default: the last complete month) in one
    transaction, then deliver every e-mail not yet sent. Delivery problems are reported, not
    raised: the e-mails stay in the outbox for the next run."""
    month = as_of or last_complete_month(run_date(settings))
    routing = load_routing(settings.notify.routing_file)
    outbox = settings.notify.outbox_dir or db_path.parent / "outbox"
    con = _open(db_path, settings)
    try:
        con.begin()
        decided = prepare_messages(
            con,
            month,
            run_date(settings),
            routing,
            settings.notify.sender,
            report_link(settings.notify.report_base_url, month),
        )
        con.commit()
        delivery = deliver_pending(con, settings.notify, outbox)
    finally:
        con.close()
    return NotifyReport(decided, delivery)


def data_months(db_path: Path, settings: Settings) -> tuple[date, date]:
    """First and last month with any loaded activity."""
    con = warehouse.connect(db_path, settings.warehouse, read_only=True)
    try:
        first, last = warehouse.first_row(con, warehouse.sql_text("queries/activity_range.sql"))
    finally:
        con.close()
    if first is None:
        raise InputError(f"{db_path} holds no loaded activity yet")
    return first, last
