"""The nightly run as a Prefect flow: load what is new, alert on the as-of month, e-mail changes.

Thin wrappers over `dealer_warnings.pipeline`, so a scheduled run and `dealer-warnings run`
do the same thing. Run once by hand: `uv run python flows/nightly.py --input data/demo`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from prefect.tasks import Task

from dealer_warnings import pipeline, warehouse
from dealer_warnings.config import Settings, load_settings
from dealer_warnings.notify import NotifyReport
from dealer_warnings.report import nightly_report_folder, write_report
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


Report = TypeVar("Report", pipeline.LoadReport, pipeline.DetectReport, NotifyReport, "Published")


def logged(report: Report) -> Report:
    """The summary goes to the run's log, where the Prefect UI shows it."""
    get_run_logger().info("%s", report.summary())
    return report


@task(**RETRY_WHEN_BUSY)
def load_new_files(input_dir: Path, db_path: Path, settings: Settings) -> pipeline.LoadReport:
    """Load every new file of the input folder in one transaction."""
    return logged(pipeline.load(input_dir, db_path, settings))


@task(**RETRY_WHEN_BUSY)
def load_and_detect(
    input_dir: Path, db_path: Path, as_of: date | None, settings: Settings
) -> pipeline.RunReport:
    """Load every new file, rebuild the marts and alert on the as-of month (None: the last
    complete month) in one transaction: a run that fails or is killed keeps nothing."""
    report = pipeline.run(input_dir, db_path, as_of, settings)
    logged(report.load)
    logged(report.detect)
    return report


class DeliveryIncomplete(RuntimeError):
    """E-mails still wait in the outbox after a notify run: worth a retry, a mail server outage
    often passes."""

    def __init__(self, report: NotifyReport) -> None:
        super().__init__(report.summary())  # what the run's log shows
        self.report = report

    def __reduce__(self) -> tuple:
        return DeliveryIncomplete, (self.report,)


def _busy_or_undelivered(task: Task[..., Any], task_run: TaskRun, state: State) -> bool:
    """Retry what waiting can fix: another run holding the warehouse, or a mail server outage."""
    return _warehouse_busy(task, task_run, state) or isinstance(
        state.result(raise_on_failure=False), DeliveryIncomplete
    )


@task(retry_condition_fn=_busy_or_undelivered)
def notify_month(db_path: Path, month: date, settings: Settings) -> NotifyReport:
    """E-mail the month's alert changes and deliver what waits in the outbox (retries and
    their delay come from settings.notify)."""
    report = logged(pipeline.notify(db_path, month, settings))
    if report.delivery.undelivered:
        raise DeliveryIncomplete(report)
    return report


def delivered_or_waiting(state: State) -> NotifyReport:
    """The notify task's report, also when e-mails still wait after its retries: the run
    completes, the alerts are stored and the e-mails go out on the next run. Other errors
    (a bad routing file) fail the run."""
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, DeliveryIncomplete):
        get_run_logger().warning("E-mails not delivered yet: %s", outcome)
        return outcome.report
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


@task(**RETRY_WHEN_BUSY)
def publish_warehouse(db_path: Path, settings: Settings) -> Path:
    """Copy the warehouse to the read-only file analysts open while the next run writes."""
    return warehouse.publish(db_path, settings.warehouse)


@task(**RETRY_WHEN_BUSY)
def write_month_report(db_path: Path, month: date, settings: Settings) -> Path:
    """The month's static HTML report, in its own folder of report.out_dir (what the digests
    link under notify.report_base_url)."""
    return write_report(db_path, month, nightly_report_folder(db_path, month, settings), settings)


@dataclass(frozen=True)
class Published:
    """Where the run's results can be read; a step that failed is None and says why: neither
    undoes the stored alerts nor stops the e-mails."""

    warehouse: Path | None
    report: Path | None
    problems: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [
            f"Analysts: open {self.warehouse} read-only." if self.warehouse else None,
            f"Report: {self.report}" if self.report else None,
            *(f"  not done: {problem}" for problem in self.problems),
        ]
        return "\n".join(line for line in lines if line)


def publish_outputs(db: Path, month: date, settings: Settings) -> Published:
    """Publish the warehouse copy and write the month's report, each its own task whose failure
    is logged, not raised."""
    steps = {"publish": publish_warehouse(db, settings, return_state=True)}
    if settings.report.nightly:
        steps["report"] = write_month_report(db, month, settings, return_state=True)
    outcomes = {name: state.result(raise_on_failure=False) for name, state in steps.items()}
    problems = tuple(
        f"{name}: {type(outcome).__name__}: {outcome}"
        for name, outcome in outcomes.items()
        if isinstance(outcome, BaseException)
    )
    for problem in problems:
        get_run_logger().warning("Run kept, but %s", problem)
    paths = {k: v for k, v in outcomes.items() if not isinstance(v, BaseException)}
    return Published(paths.get("publish"), paths.get("report"), problems)


def without_report_link(settings: Settings) -> Settings:
    """No report was written tonight: the e-mails link none rather than a missing page."""
    notify = settings.notify.model_copy(update={"report_base_url": None})
    return settings.model_copy(update={"notify": notify})


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
    """Load the new exports, alert on `as_of` (YYYY-MM; default: the last complete month),
    publish the analysts' copy and the month's report, then e-mail what changed (neither a
    report failure nor a mail server outage fails the run)."""
    input_path, db, settings = resolve(input_dir, db_path, config_path)
    month = pipeline.parse_month(as_of) if as_of else None  # a typo fails before loading
    ran = load_and_detect(input_path, db, month, settings)
    loaded, detected = ran.load, ran.detect
    notify = notify_month.with_options(
        retries=settings.notify.delivery_retries,
        retry_delay_seconds=settings.notify.delivery_retry_delay_seconds,
    )
    published = logged(publish_outputs(db, detected.last_month, settings))
    notify_settings = settings if published.report else without_report_link(settings)
    notified = notify(db, detected.last_month, notify_settings, return_state=True)
    return {
        "load": loaded,
        "detect": detected,
        "published": published,
        "notify": delivered_or_waiting(notified),
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
