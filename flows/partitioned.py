"""The nightly load and detection with the indicators computed in parallel on a Dask cluster.

DuckDB has one writer, so loading, the marts and the final write stay in this process, in
one transaction as in `dealer-warnings run`; only the readings are spread out: one Dask task
per indicator, each given the marts (read once) and computing that indicator for every dealer.
The parts are disjoint and each is computed exactly as in a single-process run, so the alerts
are the same (tests/test_partition.py compares them). Why not one part per region: several
indicators measure a per-month statistic over every dealer (how far counts spread, how much of
last year's deviation comes back), so a region alone would get other numbers.

Run once by hand: `uv run python flows/partitioned.py --input data/demo --workers 4`, or
against a running Dask scheduler: `--scheduler tcp://dask-host:8786`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

# A sibling module: Prefect and `python flows/partitioned.py` both put flows/ on sys.path.
from nightly import RETRY_WHEN_BUSY, arguments, logged, print_reports, resolve
from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect_dask import DaskTaskRunner

from dealer_warnings import pipeline
from dealer_warnings.config import DetectSettings, Settings
from dealer_warnings.detect import INDICATORS, DetectInput, combine_readings, detect_readings


# The marts are the input: not worth hashing for a cache key, and every run needs new readings.
@task(cache_policy=NO_CACHE)
def indicator_readings(
    inputs: DetectInput, settings: DetectSettings, indicator: str
) -> pl.DataFrame:
    """One indicator's readings for every dealer-month: a part of the run, on a Dask worker."""
    return detect_readings(inputs, settings, (indicator,))


def readings_on_dask(inputs: DetectInput, settings: DetectSettings) -> pl.DataFrame:
    """Every indicator's readings, one task each on the flow's Dask cluster, put together.
    The marts go to the cluster once: each task is handed a reference to them."""
    cluster = FlowRunContext.get().task_runner.client  # the DaskTaskRunner's client
    marts = cluster.scatter(inputs, hash=False)
    parts = indicator_readings.map(unmapped(marts), unmapped(settings), INDICATORS)
    return combine_readings(part.result() for part in parts)


@task(**RETRY_WHEN_BUSY)
def load_and_detect_on_dask(
    input_dir: Path, db_path: Path, as_of: date | None, settings: Settings
) -> pipeline.RunReport:
    """`dealer-warnings run` with the readings computed on the Dask cluster: load, marts and
    the results are written here, in one transaction."""
    report = pipeline.run(input_dir, db_path, as_of, settings, readings_of=readings_on_dask)
    logged(report.load)
    logged(report.detect)
    return report


@flow(name="detect-on-dask")
def on_dask(
    input_dir: Path, db_path: Path, as_of: date | None, settings: Settings
) -> pipeline.RunReport:
    """A flow of its own so the cluster it runs on can be a parameter of the outer flow."""
    return load_and_detect_on_dask(input_dir, db_path, as_of, settings)


def dask_runner(workers: int, scheduler_address: str | None) -> DaskTaskRunner:
    """The running scheduler at `scheduler_address`, else a LocalCluster for this run only.

    The local workers are threads of this process: Polars and NumPy release the GIL for their
    work, the marts are shared instead of copied to each worker, and the parts report to the
    flow's own Prefect API (worker processes started here would not know a temporary one).
    """
    if scheduler_address:
        return DaskTaskRunner(address=scheduler_address)
    local = {"n_workers": workers, "threads_per_worker": 1, "processes": False}
    return DaskTaskRunner(cluster_kwargs=local)


@flow(name="partitioned")
def partitioned(
    input_dir: str = "data/demo",
    db_path: str = "data/warehouse.duckdb",
    as_of: str | None = None,
    config_path: str | None = None,
    workers: int = 2,
    scheduler_address: str | None = None,
) -> dict[str, Any]:
    """Load the new exports and alert on `as_of` (YYYY-MM; default: the last complete month),
    the indicators computed by `workers` local Dask workers, or on the cluster whose scheduler
    listens at `scheduler_address` (e.g. tcp://dask-host:8786)."""
    input_path, db, settings = resolve(input_dir, db_path, config_path)
    month = pipeline.parse_month(as_of) if as_of else None  # a typo fails before loading
    runner = dask_runner(workers, scheduler_address)
    ran = on_dask.with_options(task_runner=runner)(input_path, db, month, settings)
    return {"load": ran.load, "detect": ran.detect}


if __name__ == "__main__":
    parser = arguments("Run the load and detection once, the indicators on a Dask cluster.")
    parser.add_argument("--as-of", help="YYYY-MM; default: the last complete month")
    parser.add_argument("--workers", type=int, default=2, help="local Dask workers (threads)")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler instead")
    args = parser.parse_args()
    print_reports(
        partitioned(args.input, args.db, args.as_of, args.config, args.workers, args.scheduler)
    )
