"""The marts built incrementally (only the months a run touched) equal a full build."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dealer_warnings import pipeline, warehouse
from dealer_warnings.config import Settings
from dealer_warnings.months import add_months, last_complete_month

# The demo input ends at the last complete month, so the months here follow the calendar.
LAST = last_complete_month()
PREVIOUS, RESTATED = add_months(LAST, -1), add_months(LAST, -4)
MART_ORDER = {
    "dealer_month": ["dealer_id", "month"],
    "dealer_sku_month": ["dealer_id", "sku", "month"],
    "dealer_category_month": ["dealer_id", "month", "category"],
    "dealer_case_month": ["dealer_id", "month", "complaint_id"],
    "dealer_style_month": ["dealer_id", "month", "style"],
    "dealer_defect_month": ["dealer_id", "month", "sku", "defect_type"],
}


def marts(db: Path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            name: con.sql(f"SELECT * FROM {name} ORDER BY {', '.join(order)}").pl()
            for name, order in MART_ORDER.items()
        }


def test_an_incremental_build_of_the_marts_equals_a_full_one(demo_input, tmp_path, monkeypatch):
    settings = Settings()
    folder, db = tmp_path / "input", tmp_path / "warehouse.duckdb"
    last_orders = f"orders_{LAST:%Y-%m}*"
    shutil.copytree(demo_input, folder, ignore=shutil.ignore_patterns(last_orders))
    pipeline.run(folder, db, PREVIOUS, settings)
    # The next night: the last month's orders arrive, and an older month's first order is
    # restated (doubled).
    for new_file in demo_input.glob(last_orders):
        shutil.copy(new_file, folder)
    older = pl.read_csv(folder / f"orders_{RESTATED:%Y-%m}.csv", infer_schema=False)
    first_order = older.filter(pl.col("order_id") == older["order_id"][0])
    first_order.with_columns((pl.col("quantity").cast(pl.Int64) * 2).cast(pl.Utf8)).write_csv(
        folder / "orders_restated.csv"
    )

    built_since = []
    build = warehouse.build_marts

    def recording(con, as_of, run_id=None):
        built_since.append(build(con, as_of, run_id))
        return built_since[-1]

    monkeypatch.setattr(warehouse, "build_marts", recording)
    pipeline.run(folder, db, LAST, settings)
    assert built_since == [RESTATED]  # the restated order's month onwards, not every month
    incremental = marts(db)
    with warehouse.connect(db, settings.warehouse) as con:
        build(con, LAST)
    full = marts(db)

    assert incremental["dealer_month"]["month"].max() == LAST
    for name in MART_ORDER:
        assert_frame_equal(incremental[name], full[name], check_exact=False, rel_tol=1e-12)


def test_a_new_mart_definition_rebuilds_every_month(demo_input, tmp_path):
    settings = Settings()
    db = tmp_path / "warehouse.duckdb"
    pipeline.run(demo_input, db, PREVIOUS, settings)
    kept_from = add_months(LAST, -12)
    with warehouse.connect(db, settings.warehouse) as con:
        con.execute("UPDATE mart_builds SET definition_sha256 = 'v1' WHERE mart = 'dealer_month'")
        con.execute("DELETE FROM dealer_month WHERE month < ?", [kept_from])  # as v1 left it
        run_id = warehouse.next_id(con, "runs", "run_id")
        con.execute("INSERT INTO runs (run_id, kind, run_date) VALUES (?, 'detect', ?)",
                    [run_id, date.today()])  # fmt: skip

        assert warehouse.build_marts(con, LAST, run_id) == warehouse.EVERY_MONTH
        first_month = con.sql("SELECT min(month) FROM dealer_month").fetchall()[0][0]
        rebuilt = con.sql(
            "SELECT mart FROM mart_builds WHERE run_id = ? ORDER BY 1", params=[run_id]
        )
        assert first_month < kept_from
        assert len(rebuilt.fetchall()) == len(warehouse.MARTS)


def test_a_failing_append_in_a_transaction_names_what_failed(tmp_path):
    """DuckDB 2.0 reports a failing `relation.query` in a transaction only as an aborted
    transaction; the append must say which constraint failed."""
    alert = {"month": LAST, "dealer_id": "D1", "indicator": "order_drop", "severity": "warning"}
    rows = pl.DataFrame([alert | {"score": 3.0, "explanation": None}])
    with warehouse.connect(tmp_path / "warehouse.duckdb", Settings().warehouse) as con:
        warehouse.migrate(con)
        con.begin()
        with pytest.raises(duckdb.ConstraintException, match=r"alerts\.explanation"):
            warehouse.append(con, "alerts", rows)
