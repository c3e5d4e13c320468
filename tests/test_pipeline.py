"""End to end on a small generated network: no look-ahead, repeatable detection, months."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dealer_warnings import pipeline
from dealer_warnings.config import Settings
from dealer_warnings.demo import DemoData, generate_demo, write_files
from dealer_warnings.detect import INDICATORS

END = date(2026, 9, 1)  # the demo's last month; its events start from 2026-03
BACKFILL = (date(2026, 5, 1), date(2026, 9, 1))


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


# Sensitive thresholds: many alerts, so the no-look-ahead comparisons compare a lot.
SENSITIVE = {name: {"p_warning": 0.01} for name in INDICATORS}


def settings_at(month: date) -> Settings:
    """A run at the end of `month`: rows dated later would be quarantined."""
    return Settings(ingest={"run_date": month_end(month)}, detect=SENSITIVE)


def up_to(data: DemoData, month: date) -> DemoData:
    """The demo as it stood at the end of `month`: every row dated after it removed."""
    last_day = month_end(month)
    return replace(
        data,
        end_month=month,
        dealers=data.dealers.filter(pl.col("active_since") <= last_day),
        orders=data.orders.filter(pl.col("order_date") <= last_day),
        sales=data.sales.filter(pl.col("month") <= f"{month:%Y-%m}"),
        complaints=data.complaints.filter(pl.col("opened_on") <= last_day).with_columns(
            # a case closed later was still open then
            pl.when(pl.col("closed_on") <= last_day).then(pl.col("closed_on")).alias("closed_on")
        ),
        quality=data.quality.filter(pl.col("reported_on") <= last_day),
    )


def table_of(db: Path, table: str, month: date | None = None) -> pl.DataFrame:
    """A month-keyed table (one month or all), without the run that wrote it."""
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.sql(f"SELECT * FROM {table}").pl().drop("run_id", strict=False)
    if month is not None:
        frame = frame.filter(pl.col("month") == month)
    return frame.sort(frame.columns[:3])


def alerts_of(db: Path, month: date | None = None) -> pl.DataFrame:
    return table_of(db, "alerts", month)


def assert_same_alerts(actual: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Equal row for row: text, dates and severities exactly, numbers to 1e-9 or 1e-6 (a DOUBLE sum
    in DuckDB is not bitwise repeatable: its order depends on the threads)."""
    assert actual.height == expected.height
    assert_frame_equal(actual, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-6)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo(dealers=30, months=20, seed=7, end_month=END)


@pytest.fixture(scope="module")
def backfilled(demo, tmp_path_factory) -> Path:
    """The whole demo loaded and backfilled over BACKFILL in one warehouse."""
    root = tmp_path_factory.mktemp("full")
    write_files(demo, root / "input")
    db = root / "warehouse.duckdb"
    settings = settings_at(END)
    report = pipeline.load(root / "input", db, settings)
    assert report.totals()["files_rejected"] == 0, report.summary()
    pipeline.backfill_months(db, *BACKFILL, settings)
    return db


def test_the_backfill_raises_alerts_in_the_months_compared_below(backfilled):
    months = alerts_of(backfilled)["month"]
    assert months.min() >= BACKFILL[0]
    assert months.max() <= BACKFILL[1]
    assert months.n_unique() >= 3  # so the no-look-ahead comparisons compare something


@pytest.mark.parametrize("month", [date(2026, m, 1) for m in (5, 6, 7, 8)], ids=str)
def test_no_look_ahead_backfill_equals_a_run_at_that_months_end(demo, backfilled, tmp_path, month):
    """Every reading, alert, health grade and risk part of a month is what a run at that
    month's end computed from the data it had then (later rows removed, later closings not
    yet known)."""
    write_files(up_to(demo, month), tmp_path / "input")
    db = tmp_path / "warehouse.duckdb"
    settings = settings_at(month)
    report = pipeline.load(tmp_path / "input", db, settings)
    assert report.totals()["rows_quarantined"] == 0, report.summary()
    pipeline.detect(db, month, settings)

    for table in ("indicator_readings", "alerts", "dealer_health", "dealer_risk_parts"):
        then = table_of(db, table, month)
        later = table_of(backfilled, table, month)
        assert then.height > 0, table
        assert_same_alerts(later, then)


def test_detect_twice_gives_the_same_alerts(backfilled, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    db.write_bytes(backfilled.read_bytes())
    settings = settings_at(END)

    first = pipeline.detect(db, END, settings)
    alerts_once = alerts_of(db)
    second = pipeline.detect(db, END, settings)

    assert_same_alerts(alerts_of(db), alerts_once)
    assert second.alerts_by_indicator == first.alerts_by_indicator
    assert [r["dealer_id"] for r in second.top] == [r["dealer_id"] for r in first.top]
    with duckdb.connect(str(db), read_only=True) as con:
        per_month = con.sql(
            "SELECT month, count(*) FROM dealer_risk GROUP BY ALL ORDER BY 1"
        ).fetchall()
    assert per_month[-1][0] == END
    assert per_month[-1][1] == len({a["dealer_id"] for a in alerts_of(db, END).to_dicts()})


def test_the_backfill_ranks_every_alerting_dealer_once_per_month(backfilled):
    with duckdb.connect(str(backfilled), read_only=True) as con:
        risk = con.sql("SELECT month, dealer_id, rank FROM dealer_risk").pl()
    alerting = alerts_of(backfilled).select("month", "dealer_id").unique()

    assert risk.select("month", "dealer_id").sort(pl.all()).equals(alerting.sort(pl.all()))
    ranks = risk.group_by("month").agg(pl.col("rank").sort(), pl.len())
    for row in ranks.iter_rows(named=True):
        assert row["rank"] == list(range(1, row["len"] + 1))


@pytest.mark.parametrize("text", ["2026-10", "2026/10", "202610", " 2026-10 "])
def test_parse_month_accepts_the_contract_forms(text):
    assert pipeline.parse_month(text) == date(2026, 10, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "Oct 2026", "26-10", ""])
def test_parse_month_rejects_others_with_a_clear_message(text):
    with pytest.raises(pipeline.InputError) as error:
        pipeline.parse_month(text)

    assert f"'{text}'" in str(error.value)
    assert "YYYY-MM" in str(error.value)


def test_backfill_refuses_a_range_that_ends_before_it_starts(backfilled):
    with pytest.raises(pipeline.InputError, match="2026-09 is after --to 2026-05"):
        pipeline.backfill_months(backfilled, END, BACKFILL[0], settings_at(END))


def test_load_refuses_a_missing_folder(tmp_path):
    with pytest.raises(pipeline.InputError, match="nowhere"):
        pipeline.load(tmp_path / "nowhere", tmp_path / "w.duckdb", settings_at(END))
