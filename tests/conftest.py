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
