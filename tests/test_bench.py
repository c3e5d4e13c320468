"""The benchmark runs every step on the same files at a tiny size (figures, not speed)."""

from __future__ import annotations

import duckdb

from dealer_warnings.bench import run_benchmark


def test_benchmark_times_every_step_on_the_same_files(tmp_path):
    figures = run_benchmark(dealers=40, months=16, seed=3, folder=tmp_path)

    steps = {s["name"]: s for s in figures["steps"]}
    assert set(steps) == {
        "duckdb_scan",
        "full_load_and_backfill",
        "incremental_nightly",
        "naive_pandas",
    }
    assert all(s["seconds"] > 0 and s["peak_rss_mb"] > 0 for s in steps.values())
    assert figures["order_lines"] > 0
    full = steps["full_load_and_backfill"]["seconds"]
    assert figures["ratios"]["full_vs_scan"] == round(full / steps["duckdb_scan"]["seconds"], 2)
    # The held-back month arrived in the incremental run: the marts reach it.
    with duckdb.connect(str(tmp_path / "bench.duckdb"), read_only=True) as con:
        months = con.sql("SELECT count(DISTINCT month) FROM dealer_month").fetchall()[0][0]
    assert months == 16
