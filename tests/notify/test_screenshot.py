"""A demo digest as its reader sees it: opened in headless Chromium, screenshot kept as a test
artifact (test-artifacts/notify/); docs/img/notify-digest.png in the README is a copy of it."""

from __future__ import annotations

import base64
import email
import shutil
import struct
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from chromium_support import needs_chromium, run_chromium

from dealer_warnings import pipeline
from dealer_warnings.config import Settings
from dealer_warnings.months import add_months

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "notify"
WINDOW = (1000, 1400)


@pytest.fixture(scope="module")
def demo_digests(demo_input: Path, tmp_path_factory: pytest.TempPathFactory) -> list[EmailMessage]:
    """The e-mails of the demo's last month, after a backfill of the month before (so the
    digests show new, ongoing, escalated and resolved problems)."""
    db = tmp_path_factory.mktemp("digest") / "warehouse.duckdb"
    settings = Settings(notify={"routing_file": ROOT / "routing.example.yaml"})
    pipeline.load(demo_input, db, settings)
    _, last = pipeline.data_months(db, settings)
    pipeline.backfill_months(db, add_months(last, -1), last, settings)
    report = pipeline.notify(db, last, settings)
    assert report.delivery.sent == report.decided.created > 0
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((db.parent / "outbox").glob("*.eml"))
    ]


def browser_page(message: EmailMessage) -> str:
    """The HTML part with its cid: images inlined as data: URLs, as a mail program shows it."""
    html = message.get_body(("html",)).get_content()
    for part in message.walk():
        if part.get_content_type() == "image/png":
            data = base64.b64encode(part.get_content()).decode("ascii")
            html = html.replace(
                f"cid:{part['Content-ID'].strip('<>')}", f"data:image/png;base64,{data}"
            )
    return html


def richest(digests: list[EmailMessage]) -> EmailMessage:
    """The manager digest showing the most kinds of change, then the most dealers."""
    managers = [m for m in digests if "daily summary" not in m["Subject"]]
    return max(
        managers,
        key=lambda m: (len(set(m["Subject"].split("(")[-1].split(","))), len(m.as_bytes())),
    )


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@needs_chromium
def test_a_demo_digest_renders_in_chromium(demo_digests: list[EmailMessage], tmp_path: Path):
    digest = richest(demo_digests)
    page = tmp_path / "digest.html"
    page.write_text(browser_page(digest), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "digest.png"
    screenshot.unlink(missing_ok=True)

    run_chromium(
        page,
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    )

    assert png_size(screenshot) == WINDOW
    assert screenshot.stat().st_size > 50_000  # text, badges and charts, not a blank page
    shutil.copy(page, ARTIFACTS / "digest.html")
