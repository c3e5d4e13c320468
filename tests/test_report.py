"""The static HTML report: written from the demo warehouse, safe with hostile dealer names,
self-contained, and really drawn by a headless Chromium (screenshots in test-artifacts/)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from chromium_support import needs_chromium, run_chromium
from typer.testing import CliRunner

from dealer_warnings import report
from dealer_warnings.cli import app

ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
HOSTILE_NAME = '<script>document.body.setAttribute("data-xss", "ran")</script> & Söhne 永泰'


@pytest.fixture(scope="module")
def hostile_warehouse(demo_warehouse, tmp_path_factory) -> tuple[Path, date, str]:
    """A copy of the demo warehouse whose top dealer of the last month has a name that is a
    script: (warehouse, that month, that dealer)."""
    db = tmp_path_factory.mktemp("report_db") / "warehouse.duckdb"
    shutil.copy(demo_warehouse, db)
    with duckdb.connect(str(db)) as con:
        month, dealer_id = con.execute(
            "SELECT month, dealer_id FROM dealer_risk ORDER BY month DESC, rank LIMIT 1"
        ).fetchone()
        con.execute(
            "UPDATE valid_dealers SET dealer_name = ? WHERE dealer_id = ?",
            [HOSTILE_NAME, dealer_id],
        )
    return db, month, dealer_id


@pytest.fixture(scope="module")
def written(hostile_warehouse, tmp_path_factory) -> Path:
    """The report of the last month, written through the command line; its index.html."""
    db, month, _ = hostile_warehouse
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(
        app, ["report", "--month", f"{month:%Y-%m}", "--out", str(out), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    return out / "index.html"


def pages(index: Path) -> list[Path]:
    return [
        index,
        index.parent / "regions.html",
        *sorted((index.parent / "dealers").glob("*.html")),
    ]


def test_the_index_ranks_the_flagged_dealers_and_links_their_pages(written, hostile_warehouse):
    db, month, _ = hostile_warehouse
    with duckdb.connect(str(db), read_only=True) as con:
        ranked = [row[0] for row in con.execute(
            "SELECT dealer_id FROM dealer_risk WHERE month = ? ORDER BY rank", [month]
        ).fetchall()]  # fmt: skip
    html = written.read_text(encoding="utf-8")
    links = re.findall(r'href="dealers/([^"]+)\.html"', html)
    assert links == ranked
    assert all((written.parent / "dealers" / f"{dealer}.html").is_file() for dealer in ranked)


def test_a_dealer_name_is_shown_as_text_never_run_as_html(written, hostile_warehouse):
    _, _, dealer_id = hostile_warehouse
    dealer_page = (written.parent / "dealers" / f"{dealer_id}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;document.body.setAttribute" in dealer_page
    for page in pages(written):
        assert "<script>document.body" not in page.read_text(encoding="utf-8"), page


def test_a_dealer_page_shows_what_drove_its_alerts(written, hostile_warehouse):
    db, month, _ = hostile_warehouse
    with duckdb.connect(str(db), read_only=True) as con:
        drilled = dict(con.execute(
            "SELECT dealer_id, arg_min(part, rank) FROM alert_drilldown WHERE month = ? "
            "GROUP BY dealer_id", [month]
        ).fetchall())  # fmt: skip
        ranked = [dealer for (dealer,) in con.execute(
            "SELECT dealer_id FROM dealer_risk WHERE month = ?", [month]
        ).fetchall()]  # fmt: skip
    assert drilled, "the demo month has alerts to drill into"
    for dealer_id in ranked:
        page = (written.parent / "dealers" / f"{dealer_id}.html").read_text(encoding="utf-8")
        assert ("What drove it" in page) == (dealer_id in drilled), dealer_id
        if dealer_id in drilled:
            assert f"<td>{drilled[dealer_id]}</td>" in page and "= whole change" in page


def test_the_report_needs_nothing_from_the_network(written):
    assert (written.parent / "plotly.min.js").stat().st_size > 1_000_000
    for page in pages(written):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', html), page
        assert re.search(r'<script src="(\.\./)?plotly\.min\.js">', html), page


def test_a_dealer_id_that_is_no_safe_file_name_gets_a_hashed_page():
    names = report.dealer_pages(["D-1", "../etc/passwd", "a b"])
    assert names["D-1"] == "D-1.html"
    for dealer_id in ("../etc/passwd", "a b"):
        assert re.fullmatch(r"dealer-[0-9a-f]{16}\.html", names[dealer_id])


def test_a_month_the_marts_do_not_reach_exits_2(hostile_warehouse, tmp_path):
    db, _, _ = hostile_warehouse
    result = CliRunner().invoke(
        app, ["report", "--month", "2099-01", "--out", str(tmp_path), "--db", str(db)]
    )
    assert result.exit_code == 2
    assert "2099-01" in result.output


def render(page: Path, profile: Path, screenshot: Path) -> tuple[str, list[str]]:
    """The page's DOM after its scripts ran and the console messages about it; saves a
    screenshot. One Chromium run does both."""
    run = run_chromium(
        page,
        profile,
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        "--window-size=1200,1400",
        f"--screenshot={screenshot}",
        "--dump-dom",
    )
    return run.stdout, [line for line in run.stderr.splitlines() if ":CONSOLE" in line]


@needs_chromium
def test_chromium_draws_every_chart_without_console_errors(written, hostile_warehouse, tmp_path):
    _, _, dealer_id = hostile_warehouse
    ARTIFACTS.mkdir(exist_ok=True)
    shown = [
        written,
        written.parent / "regions.html",
        written.parent / "dealers" / f"{dealer_id}.html",
    ]
    for page in shown:
        screenshot = ARTIFACTS / f"report-{page.stem}.png"
        screenshot.unlink(missing_ok=True)
        dom, console = render(page, tmp_path / page.stem, screenshot)
        charts = len(re.findall(r'class="[^"]*\bplotly-graph-div\b', dom))
        drawn = len(re.findall(r'class="[^"]*\bsvg-container\b', dom))
        assert charts >= 1, page
        assert drawn == charts, f"{charts - drawn} chart(s) of {page.name} not drawn"
        assert "<svg" in dom
        assert not [line for line in console if "Uncaught" in line or "ERROR:CONSOLE" in line]
        assert 'data-xss="ran"' not in dom
        assert screenshot.stat().st_size > 20_000, screenshot
