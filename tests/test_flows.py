"""The flows run in-process, loaded from their entrypoints the way a worker loads them."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.flows import load_flow_from_entrypoint
from prefect.states import State
from prefect.testing.utilities import prefect_test_harness
from prefect.utilities.importtools import import_object
from prefect_email import EmailServerCredentials

from dealer_warnings import pipeline
from dealer_warnings.config import Settings, load_settings
from dealer_warnings.notify.delivery import smtp_settings

ROOT = Path(__file__).resolve().parents[1]
LAST_MONTH = pipeline.last_complete_month(date.today())  # where the demo data ends, too
# Another process with the warehouse open for writing, for a second.
HOLD_WAREHOUSE = (  # holds the warehouse open until its standard input closes
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "sys.stdin.read()"
)


@pytest.fixture(scope="module", autouse=True)
def prefect_api() -> Iterator[None]:
    """A throwaway Prefect server and database: test runs never reach the user's own.

    Its first start migrates a new database: allow more than the harness's 30 s on 2 cores.
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # fewer SQLite writes at startup
        with prefect_test_harness(server_startup_timeout=180):
            yield


def _flow(entrypoint: str) -> Flow:
    return load_flow_from_entrypoint(str(ROOT / entrypoint))


def _run_count(state: State, wait_seconds: float = 30) -> int:
    """How many times the server saw the task run start. Task runs reach the server as events,
    written a moment after the run returns: wait until it has recorded the run's final state."""
    deadline = time.monotonic() + wait_seconds
    with get_client(sync_client=True) as client:
        while True:
            try:
                run = client.read_task_run(state.state_details.task_run_id)
            except ObjectNotFound:
                run = None
            if (run is not None and run.state_type == state.type) or time.monotonic() > deadline:
                return 0 if run is None else run.run_count
            time.sleep(0.1)


def _alert_months(db: Path) -> list[date]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT month FROM alerts ORDER BY 1").fetchall()
    return [month for (month,) in rows]


def _outbox_texts(outbox: Path) -> list[tuple[str, str]]:
    """(plain text, HTML) of every .eml the run wrote, decoded."""
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]
    return [
        (m.get_body(("plain",)).get_content(), m.get_body(("html",)).get_content())
        for m in messages
    ]


def _last_months(count: int) -> list[date]:
    end = LAST_MONTH.year * 12 + LAST_MONTH.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(end - count + 1, end + 1)]


def test_nightly_loads_then_alerts_on_the_last_complete_month(
    demo_input: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative db_path lands in the working directory
    monkeypatch.setenv("DEALER_WARNINGS_NOTIFY__REPORT_BASE_URL", "https://bi.example.com/dw")
    reports = _flow("flows/nightly.py:nightly")(str(demo_input), "warehouse.duckdb")

    assert reports["load"].totals()["files_loaded"] > 0
    assert reports["detect"].last_month == LAST_MONTH
    assert _alert_months(tmp_path / "warehouse.duckdb") == [LAST_MONTH]
    published = reports["published"]  # the analysts' copy and the month's report, then e-mails
    assert published.warehouse == tmp_path / "warehouse.published.duckdb"
    assert _alert_months(published.warehouse) == [LAST_MONTH]
    assert published.report == tmp_path / "report" / f"{LAST_MONTH:%Y-%m}" / "index.html"
    assert published.report.is_file() and not published.problems
    notified = reports["notify"]  # no SMTP host: .eml files in outbox/ next to the warehouse
    assert notified.decided.month == LAST_MONTH and notified.decided.created > 0
    e_mails = _outbox_texts(tmp_path / "outbox")
    assert len(e_mails) == notified.delivery.sent
    link = f"https://bi.example.com/dw/{LAST_MONTH:%Y-%m}/index.html"
    assert all(link in plain and f'href="{link}"' in html for plain, html in e_mails)


def test_a_report_that_fails_keeps_the_alerts_and_the_e_mails_link_no_report(
    demo_input: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "report"
    not_a_folder.write_text("a file where the report folder should be", encoding="utf-8")
    monkeypatch.setenv("DEALER_WARNINGS_REPORT__OUT_DIR", str(not_a_folder))
    monkeypatch.setenv("DEALER_WARNINGS_NOTIFY__REPORT_BASE_URL", "https://bi.example.com/dw")
    db = tmp_path / "warehouse.duckdb"

    reports = _flow("flows/nightly.py:nightly")(str(demo_input), str(db))

    assert _alert_months(db) == [LAST_MONTH]
    published = reports["published"]
    assert published.report is None and published.warehouse.is_file()
    assert [problem.split(":")[0] for problem in published.problems] == ["report"]
    e_mails = _outbox_texts(tmp_path / "outbox")
    assert e_mails and len(e_mails) == reports["notify"].delivery.sent
    assert not any("bi.example.com" in plain + html for plain, html in e_mails)


def test_smtp_settings_come_from_a_named_prefect_email_block() -> None:
    EmailServerCredentials(
        username="dw",
        password="block-secret",
        smtp_server="mail.example.com",
        smtp_type="SSL",
    ).save("dealer-warnings-test-smtp", overwrite=True)
    notify = Settings(notify={"smtp_block": "dealer-warnings-test-smtp"}).notify

    smtp = smtp_settings(notify)

    assert (smtp.host, smtp.port, smtp.security, smtp.username) == (
        "mail.example.com", 465, "ssl", "dw",
    )  # fmt: skip
    assert smtp.password.get_secret_value() == "block-secret"
    assert "block-secret" not in repr(smtp)


def test_a_mail_server_outage_leaves_the_e_mails_pending_and_the_run_completed(
    demo_input: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a free port: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in {"HOST": "127.0.0.1", "PORT": port, "SECURITY": "none"}.items():
        monkeypatch.setenv(f"DEALER_WARNINGS_NOTIFY__SMTP__{name}", str(value))
    monkeypatch.setenv("DEALER_WARNINGS_NOTIFY__DELIVERY_RETRIES", "1")
    monkeypatch.setenv("DEALER_WARNINGS_NOTIFY__DELIVERY_RETRY_DELAY_SECONDS", "0")
    db = tmp_path / "warehouse.duckdb"

    reports = _flow("flows/nightly.py:nightly")(str(demo_input), str(db))

    assert _alert_months(db) == [LAST_MONTH]
    with duckdb.connect(str(db), read_only=True) as con:
        outbox = con.execute(
            "SELECT status, attempts, count(*) FROM notifications GROUP BY ALL"
        ).fetchall()
    assert outbox == [("pending", 2, reports["notify"].delivery.undelivered)]  # tried, retried once


def test_backfill_alerts_on_every_month_in_range(demo_input: Path, tmp_path: Path) -> None:
    six_months = _last_months(6)
    db = tmp_path / "warehouse.duckdb"
    backfill = _flow("flows/backfill.py:backfill")
    reports = backfill(f"{six_months[0]:%Y-%m}", f"{LAST_MONTH:%Y-%m}", str(demo_input), str(db))

    detected = reports["detect"]
    assert (detected.first_month, detected.last_month) == (six_months[0], LAST_MONTH)
    assert _alert_months(db) == six_months  # the demo's last months each hold some warning sign


@pytest.mark.filterwarnings("ignore:Logger 'prefect.task_runs' attempted to send logs")
def test_load_retries_while_the_warehouse_is_busy_but_not_on_bad_input(
    demo_input: Path, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WAREHOUSE, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "held\n"
    nightly = import_object(f"{ROOT / 'flows/nightly.py'}:load_new_files")
    retry_condition = nightly.retry_condition_fn

    def release_then_decide(task, task_run, state) -> bool:
        """The other process lets go once the first attempt has failed: the retry succeeds."""
        holder.stdin.close()
        holder.wait()
        return retry_condition(task, task_run, state)

    load = nightly.with_options(retry_delay_seconds=0, retry_condition_fn=release_then_decide)

    impatient = Settings(warehouse={"lock_timeout_seconds": 0.1})  # gives up, so Prefect retries
    busy_first = load(demo_input, db, impatient, return_state=True)
    assert busy_first.is_completed() and _run_count(busy_first) > 1

    missing_folder = load(tmp_path / "missing", db, load_settings(), return_state=True)
    assert missing_folder.is_failed() and _run_count(missing_folder) == 1
