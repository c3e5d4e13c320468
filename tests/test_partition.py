"""The partitioned run (flows/partitioned.py: indicators on a local Dask cluster) writes what the
single-process run writes, on a demo network with a region too small to be a peer group and a
regional threshold override."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName
from prefect.flows import load_flow_from_entrypoint
from prefect.testing.utilities import prefect_test_harness

from dealer_warnings import pipeline, warehouse
from dealer_warnings.config import load_settings
from dealer_warnings.demo import generate_demo, write_files
from dealer_warnings.detect import INDICATORS, combine_readings, detect_readings
from dealer_warnings.detect.signals import ALL_DEALERS

ROOT = Path(__file__).resolve().parents[1]
END = date(2026, 9, 1)
SMALL_REGION = "Islands"  # two dealers: fewer than min_region_group, so they compare network-wide
SETTINGS = {
    "ingest": {"run_date": "2026-09-30"},  # a run at the end of the demo's last month
    # Both runs rebuild the marts: DuckDB adds DOUBLEs up in a thread-dependent order, and a
    # last-bit difference there can tip a verdict. One thread adds up in the same order.
    "warehouse": {"threads": 1},
    "detect": {
        # Sensitive thresholds (more alerts to compare) and one region judged by its own.
        **{name: {"p_warning": 0.01} for name in INDICATORS},
        "overrides": [{"region": SMALL_REGION, "order_drop": {"min_drop": 0.3}}],
    },
}
TABLES = {  # what detection writes, and each table's key
    "indicator_readings": ("month", "dealer_id", "indicator"),
    "alerts": ("month", "dealer_id", "indicator"),
    "dealer_risk": ("month", "dealer_id"),
    "dealer_risk_parts": ("month", "dealer_id", "part"),
    "dealer_health": ("month", "dealer_id"),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The input folder, the settings file and a warehouse with every file loaded (loading is
    the slow part: both runs start from copies of it, so both find nothing new to load)."""
    root = tmp_path_factory.mktemp("partition")
    data = generate_demo(dealers=60, months=18, seed=7, end_month=END)
    islanders = data.dealers["dealer_id"].head(2).implode()
    dealers = data.dealers.with_columns(
        pl.when(pl.col("dealer_id").is_in(islanders))
        .then(pl.lit(SMALL_REGION))
        .otherwise(pl.col("region"))
        .alias("region")
    )
    write_files(replace(data, dealers=dealers), root / "input")
    config = root / "settings.yaml"
    config.write_text(yaml.safe_dump(SETTINGS), encoding="utf-8")
    db = root / "loaded.duckdb"
    report = pipeline.load(root / "input", db, load_settings(config))
    assert report.totals()["files_rejected"] == 0, report.summary()
    return root / "input", config, db


@pytest.fixture(scope="module")
def single(loaded: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse after `dealer-warnings run` in one process."""
    input_dir, config, db = loaded
    copy = Path(shutil.copyfile(db, tmp_path_factory.mktemp("single") / "warehouse.duckdb"))
    pipeline.run(input_dir, copy, END, load_settings(config))
    return copy


@pytest.fixture
def prefect_api() -> Iterator[None]:
    """A throwaway Prefect server and database (its first start migrates: allow time)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        with prefect_test_harness(server_startup_timeout=180):
            yield


def table_of(db: Path, table: str) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return (
            con.sql(f"SELECT * FROM {table}").pl().drop("run_id", strict=False).sort(TABLES[table])
        )


def test_the_partitioned_dask_run_writes_what_the_single_process_run_writes(
    prefect_api: None, loaded: tuple[Path, Path, Path], single: Path, tmp_path: Path
) -> None:
    input_dir, config, db = loaded
    partitioned_db = Path(shutil.copyfile(db, tmp_path / "warehouse.duckdb"))
    flow = load_flow_from_entrypoint(str(ROOT / "flows/partitioned.py:partitioned"))

    reports = flow(str(input_dir), str(partitioned_db), f"{END:%Y-%m}", str(config), workers=2)

    assert reports["detect"].last_month == END
    for table in TABLES:  # text exactly, numbers to 1e-9
        assert_frame_equal(
            table_of(partitioned_db, table),
            table_of(single, table),
            check_exact=False,
            rel_tol=1e-9,
            abs_tol=1e-9,
        )
    alerts = table_of(single, "alerts")
    assert alerts.height >= 5 and alerts["indicator"].n_unique() >= 3, alerts
    peer_groups = table_of(single, "indicator_readings")["peer_group"]
    assert ALL_DEALERS in peer_groups.to_list()  # the small region was judged network-wide
    with get_client(sync_client=True) as client:
        parts = client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="indicator_readings"))
        )
    assert len(parts) == len(INDICATORS) and all(part.state.is_completed() for part in parts)


def test_indicators_computed_one_by_one_give_the_readings_of_all_at_once(
    loaded: tuple[Path, Path, Path], single: Path
) -> None:
    """What each Dask task computes, put together, is the whole run's readings row for row."""
    settings = load_settings(loaded[1]).detect
    con = warehouse.connect(single, load_settings(loaded[1]).warehouse, read_only=True)
    try:
        inputs = pipeline.read_detect_input(con)
    finally:
        con.close()

    whole = detect_readings(inputs, settings)
    parts = [detect_readings(inputs, settings, (name,)) for name in reversed(INDICATORS)]

    assert_frame_equal(combine_readings(parts), whole)
    assert set(whole["indicator"]) == set(INDICATORS)  # every part contributed rows
