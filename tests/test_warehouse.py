"""The marts built incrementally (only the months a run touched) equal a full build."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from dealer_warnings import pipeline, warehouse
from dealer_warnings.config import Settings

SEPTEMBER, OCTOBER, JUNE = date(2026, 9, 1), date(2026, 10, 1), date(2026, 6, 1)
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
    settings = Settings(ingest={"run_date": date(2026, 11, 23)})
    folder, db = tmp_path / "input", tmp_path / "warehouse.duckdb"
    shutil.copytree(demo_input, folder, ignore=shutil.ignore_patterns("orders_2026-10*"))
    pipeline.run(folder, db, SEPTEMBER, settings)
    # The next night: October's orders arrive, and June's first order is restated (doubled).
    shutil.copy(demo_input / "orders_2026-10.xlsx", folder)
    june = pl.read_csv(folder / "orders_2026-06.csv", infer_schema=False)
    first_order = june.filter(pl.col("order_id") == june["order_id"][0])
    first_order.with_columns((pl.col("quantity").cast(pl.Int64) * 2).cast(pl.Utf8)).write_csv(
        folder / "orders_restated.csv"
    )

    built_since = []
    build = warehouse.build_marts

    def recording(con, as_of, run_id=None):
        built_since.append(build(con, as_of, run_id))
        return built_since[-1]

    monkeypatch.setattr(warehouse, "build_marts", recording)
    pipeline.run(folder, db, OCTOBER, settings)
    assert built_since == [JUNE]  # the restated order's month onwards, not every month
    incremental = marts(db)
    with warehouse.connect(db, settings.warehouse) as con:
        build(con, OCTOBER)
    full = marts(db)

    assert incremental["dealer_month"]["month"].max() == OCTOBER
    for name in MART_ORDER:
        assert_frame_equal(incremental[name], full[name], check_exact=False, rel_tol=1e-12)


def test_a_new_mart_definition_rebuilds_every_month(demo_input, tmp_path):
    settings = Settings(ingest={"run_date": date(2026, 11, 23)})
    db = tmp_path / "warehouse.duckdb"
    pipeline.run(demo_input, db, SEPTEMBER, settings)
    with warehouse.connect(db, settings.warehouse) as con:
        con.execute("UPDATE mart_builds SET definition_sha256 = 'v1' WHERE mart = 'dealer_month'")
        con.execute("DELETE FROM dealer_month WHERE month < '2025-01-01'")  # as v1 left it
        run_id = warehouse.next_id(con, "runs", "run_id")
        con.execute("INSERT INTO runs (run_id, kind, run_date) VALUES (?, 'detect', ?)",
                    [run_id, date(2026, 11, 23)])  # fmt: skip

        assert warehouse.build_marts(con, OCTOBER, run_id) == warehouse.EVERY_MONTH
        first_month = con.sql("SELECT min(month) FROM dealer_month").fetchall()[0][0]
        rebuilt = con.sql(
            "SELECT mart FROM mart_builds WHERE run_id = ? ORDER BY 1", params=[run_id]
        )
        assert first_month < date(2025, 1, 1)
        assert len(rebuilt.fetchall()) == len(warehouse.MARTS)
