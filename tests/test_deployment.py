"""prefect.yaml end to end, no mocks: a real server, work pool, deploy, schedule, worker, run.

This is what `make demo` cannot show: that the deployments as written (entrypoints, pull
step, parameters, cron schedule) work under a process worker with the locked Prefect stack.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

pytestmark = [pytest.mark.deployment, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).parent / "prefect")
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(env: dict[str, str], path: str, body: dict | None = None) -> object:
    """GET (or POST `body` to) the server's REST API; the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        env["PREFECT_API_URL"] + path, data, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _healthy(env: dict[str, str]) -> bool:
    try:
        return _api(env, "/health") is True
    except OSError:
        return False


def _prefect(env: dict[str, str], *args: str) -> str:
    """Run a prefect CLI command from the repository root; its output, or a failure showing it."""
    done = subprocess.run(
        [PREFECT, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Background:
    """A long-running prefect command in its own process group, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [PREFECT, *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL if it lingers; pytest shows the log on failure."""
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if self.process.poll() is not None:
                break
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        print(f"----- {self.log.name} -----\n{self.log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def prefect_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Prefect server of our own with its own home; the environment that talks to it."""
    home = tmp_path_factory.mktemp("prefect")
    port = str(_free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",  # pick a run up at once, not after 10 s
        "PWD": str(ROOT),  # what `{{ $PWD }}` in prefect.yaml becomes, as in a shell at the root
    }
    server = Background(
        env, home / "server.log", "server", "start", "--host", "127.0.0.1", "--port", port
    )
    try:
        deadline = time.monotonic() + 120
        while not _healthy(env):
            assert server.process.poll() is None, "prefect server exited"
            assert time.monotonic() < deadline, "prefect server not healthy after 120 s"
            time.sleep(0.5)
        _prefect(env, "work-pool", "create", "dealer-warnings", "--type", "process")
        _prefect(env, "--no-prompt", "deploy", "--all")
        yield env
    finally:
        server.stop()


@pytest.fixture
def worker(prefect_env: dict[str, str], tmp_path: Path) -> Iterator[None]:
    process = Background(
        prefect_env, tmp_path / "worker.log", "worker", "start", "--pool", "dealer-warnings"
    )
    yield
    process.stop()  # before the server: a worker that has lost its server ignores SIGTERM


# Fails if SQLAlchemy 2.1 sneaks into the lock: Prefect 3.8's scheduler then never creates
# scheduled runs ("Can't evaluate bulk DML statement"); pyproject.toml pins it below 2.1.
def test_nightly_schedule_creates_runs_at_two_local_time(prefect_env: dict[str, str]) -> None:
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    nightly = next(d for d in deployments if d["name"] == "nightly")
    zone = ZoneInfo(nightly["schedules"][0]["timezone"])
    deployment = _api(prefect_env, "/deployments/name/nightly/nightly")
    query = {"flow_runs": {"deployment_id": {"any_": [deployment["id"]]}}}

    deadline = time.monotonic() + 30
    while not (runs := _api(prefect_env, "/flow_runs/filter", query)):
        log = Path(prefect_env["PREFECT_HOME"], "server.log")
        assert time.monotonic() < deadline, f"no scheduled run after 30 s; see {log}"
        time.sleep(2)

    starts = [datetime.fromisoformat(run["expected_start_time"]) for run in runs]
    assert {start.astimezone(zone).strftime("%H:%M") for start in starts} == {"02:00"}


def test_nightly_deployment_runs_on_a_worker(
    prefect_env: dict[str, str], worker: None, demo_input: Path, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    started = _prefect(
        prefect_env,
        "deployment",
        "run",
        "nightly/nightly",
        "--param",
        f"input_dir={demo_input}",
        "--param",
        f"db_path={db}",
    )
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", started).group(1)

    deadline = time.monotonic() + 240
    state = None
    while state not in TERMINAL and time.monotonic() < deadline:
        time.sleep(1)
        state = _api(prefect_env, f"/flow_runs/{run_id}")["state"]["type"]
    assert state == "COMPLETED", f"flow run {run_id} ended {state} (worker log below)"

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM alerts").fetchone()[0] > 0
