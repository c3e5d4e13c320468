"""Headless Chromium (Debian's package: browsers cannot be downloaded here) for the tests that
look at a page as its reader would: the report and the e-mail digest. `make browsers` installs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
# Flags that work in a container without a display, a sandbox or a network.
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium: `make browsers`"
)


def run_chromium(
    page: Path, profile: Path, *flags: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Open `page` once in a fresh profile with `flags` (--screenshot=..., --dump-dom, ...)."""
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *HEADLESS, f"--user-data-dir={profile}", *flags, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
