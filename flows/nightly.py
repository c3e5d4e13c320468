"""The nightly run as a Prefect flow: load what is new, then alert on the as-of month.

Thin wrappers over `dealer_warnings.pipeline`, so a scheduled run and `dealer-warnings run`
do the same thing. Run once by hand: `uv run python flows/nightly.py --input data/demo`.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from prefect.tasks import Task

from dealer_warnings import pipeline
from dealer_warnings.config import Settings, load_settings
from dealer_warnings.warehouse import WarehouseBusy


def _warehouse_busy(task: Task[..., Any], task_run: TaskRun, state: State) -> bool:
    """Retry only what waiting can fix: another run holding the DuckDB file."""
    try:
        state.result()
    except WarehouseBusy:
        return True
    except Exception:  # anything else: waiting will not fix it
        pass
    return False


# Both steps open the warehouse for writing; DuckDB allows one writer process at a time.
RETRY_WHEN_BUSY: dict[str, Any] = {
    "retries": 2,
    "retry_delay_seconds": 300,
    "retry_condition_fn": _warehouse_busy,
}


Report = TypeVar("Report", pipeline.LoadReport, pipeline.DetectReport)


def logged(report: Report) -> Report:
    """The summary goes to the run's log, where the Prefect UI shows it."""
    get_run_logger().info("%s", report.summary())
    return report


@task(**RETRY_WHEN_BUSY)
def load_new_files(input_dir: Path, db_path: Path, settings: Settings) -> pipeline.LoadReport:
    """Load every new file of the input folder in one transaction."""
    return logged(pipeline.load(input_dir, db_path, settings))


@task(**RETRY_WHEN_BUSY)
def detect_month(db_path: Path, as_of: date | None, settings: Settings) -> pipeline.DetectReport:
    """Alerts and ranks for the as-of month (None: the last complete month)."""
    return logged(pipeline.detect(db_path, as_of, settings))


def resolve(input_dir: str, db_path: str, config_path: str | None) -> tuple[Path, Path, Settings]:
    """Absolute paths (relative ones are taken from the working directory) and the settings."""
    settings = load_settings(Path(config_path) if config_path else None)
    return Path(input_dir).resolve(), Path(db_path).resolve(), settings


@flow(name="nightly")
def nightly(
    input_dir: str = "data/demo",
    db_path: str = "data/warehouse.duckdb",
    as_of: str | None = None,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Load the new exports, then alert on `as_of` (YYYY-MM; default: the last complete month)."""
    input_path, db, settings = resolve(input_dir, db_path, config_path)
    month = pipeline.parse_month(as_of) if as_of else None  # a typo fails before loading
    return {
        "load": load_new_files(input_path, db, settings),
        "detect": detect_month(db, month, settings),
    }


def arguments(description: str) -> argparse.ArgumentParser:
    """The options both flow scripts share; each adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--input", default="data/demo", help="folder with the input files")
    parser.add_argument("--db", default="data/warehouse.duckdb", help="DuckDB warehouse file")
    parser.add_argument("--config", help="YAML settings file")
    return parser


def print_reports(reports: dict[str, Any]) -> None:
    """Plain summaries on stdout (Prefect's own log lines go to stderr)."""
    for report in reports.values():
        print(report.summary(), end="\n\n")


if __name__ == "__main__":
    parser = arguments("Run the nightly flow once, without a schedule or a worker.")
    parser.add_argument("--as-of", help="YYYY-MM; default: the last complete month")
    args = parser.parse_args()
    print_reports(nightly(args.input, args.db, args.as_of, args.config))
