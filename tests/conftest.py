"""Fixtures and markers shared across the test suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "deployment: starts a real Prefect server and worker (about a minute)"
    )


@pytest.fixture(scope="session")
def demo_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo export folder (40 dealers, 24 months) written by the real CLI; do not modify it."""
    out = tmp_path_factory.mktemp("demo")
    cli = Path(sys.executable).parent / "dealer-warnings"
    subprocess.run(
        [cli, "demo-data", "--out", str(out), "--dealers", "40", "--months", "24"], check=True
    )
    return out


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse analysts open, on a demo network (60 dealers, 24 months written by the
    real CLI), loaded and backfilled over its last 6 months; do not modify it."""
    from dealer_warnings import pipeline
    from dealer_warnings.config import Settings
    from dealer_warnings.months import add_months

    root = tmp_path_factory.mktemp("analyst_demo")
    cli = Path(sys.executable).parent / "dealer-warnings"
    subprocess.run(
        [cli, "demo-data", "--out", str(root / "input"), "--dealers", "60", "--months", "24"],
        check=True,
    )
    db = root / "warehouse.duckdb"
    settings = Settings()
    pipeline.load(root / "input", db, settings)
    _, last = pipeline.data_months(db, settings)
    pipeline.backfill_months(db, add_months(last, -5), last, settings)
    return db


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables 250 characters wide, so a test finds a cell's words on one line
    (off a terminal, Rich wraps at 80 columns whatever CliRunner's terminal_width says)."""
    from rich.console import Console

    from dealer_warnings import cli

    monkeypatch.setattr(cli, "console", Console(width=250))
