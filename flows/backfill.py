"""Alerts for a range of months as a Prefect flow, each month seeing only data up to itself.

Run once by hand: `uv run python flows/backfill.py --input data/demo --from 2025-01 --to 2026-10`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

# A sibling module: Prefect and `python flows/backfill.py` both put flows/ on sys.path.
from nightly import RETRY_WHEN_BUSY, arguments, load_new_files, logged, print_reports, resolve
from prefect import flow, task

from dealer_warnings import pipeline
from dealer_warnings.config import Settings


@task(**RETRY_WHEN_BUSY)
def detect_months(
    db_path: Path, start: date, end: date, settings: Settings
) -> pipeline.DetectReport:
    """Alerts and ranks for every month start..end, no look-ahead."""
    return logged(pipeline.backfill_months(db_path, start, end, settings))


@flow(name="backfill")
def backfill(
    start: str,
    end: str,
    input_dir: str = "data/demo",
    db_path: str = "data/warehouse.duckdb",
    config_path: str | None = None,
) -> dict[str, Any]:
    """Load the new exports, then alert on every month `start`..`end` (YYYY-MM)."""
    input_path, db, settings = resolve(input_dir, db_path, config_path)
    first, last = pipeline.parse_month(start), pipeline.parse_month(end)
    return {
        "load": load_new_files(input_path, db, settings),
        "detect": detect_months(db, first, last, settings),
    }


if __name__ == "__main__":
    parser = arguments("Run the backfill flow once, without a worker.")
    parser.add_argument("--from", dest="start", required=True, help="first month, YYYY-MM")
    parser.add_argument("--to", dest="end", required=True, help="last month, YYYY-MM")
    args = parser.parse_args()
    print_reports(backfill(args.start, args.end, args.input, args.db, args.config))
