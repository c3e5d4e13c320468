"""`dealer-warnings explain` and `evaluate` on a small backfilled demo warehouse."""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from dealer_warnings import pipeline
from dealer_warnings.cli import app
from dealer_warnings.config import Settings
from dealer_warnings.demo import generate_demo, write_files
from dealer_warnings.explain import explain_dealer

END = date(2026, 9, 1)
SETTINGS = Settings(ingest={"run_date": date(2026, 9, calendar.monthrange(2026, 9)[1])})


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("explain")
    write_files(generate_demo(dealers=40, months=20, seed=5, end_month=END), root / "input")
    db = root / "warehouse.duckdb"
    pipeline.load(root / "input", db, SETTINGS)
    pipeline.backfill_months(db, date(2026, 6, 1), END, SETTINGS)
    return root / "input", db


def top_dealer(db: Path) -> tuple[str, date]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT dealer_id, month FROM dealer_risk ORDER BY month DESC, rank LIMIT 1"
        ).fetchone()


def test_explain_shows_every_indicator_and_parts_that_add_up(warehouse):
    _, db = warehouse
    dealer_id, month = top_dealer(db)
    with duckdb.connect(str(db), read_only=True) as con:
        found = explain_dealer(con, dealer_id, month)
        risk = con.execute(
            "SELECT rank, risk_score FROM dealer_risk WHERE dealer_id = ? AND month = ?",
            [dealer_id, month],
        ).fetchone()
        fired = con.execute(
            "SELECT count(*) FROM alerts WHERE dealer_id = ? AND month = ?", [dealer_id, month]
        ).fetchone()[0]

    assert f"rank {risk[0]} of" in found.headline and f"risk score {risk[1]:.1f}" in found.headline
    assert "Health: " in found.headline
    assert found.indicators.height >= 5  # every indicator with a verdict, fired or not
    assert (found.indicators["alert"] != "-").sum() == fired
    parts = found.parts
    assert parts["part"][-1] == "= risk score"
    assert parts["points"][-1] == pytest.approx(risk[1], abs=0.01)
    assert parts["points"][:-1].sum() == pytest.approx(risk[1], abs=0.01)
    assert found.history.height == 13


def test_explain_command_prints_the_numbers(warehouse, wide_console):
    _, db = warehouse
    dealer_id, month = top_dealer(db)
    result = CliRunner().invoke(
        app,
        ["explain", dealer_id, "--month", f"{month:%Y-%m}", "--db", str(db)],
        terminal_width=250,
    )
    assert result.exit_code == 0, result.output
    assert "every indicator" in result.output and "the parts of its risk score" in result.output


def test_explain_shows_the_parts_that_drove_each_alert(warehouse, wide_console):
    _, db = warehouse
    with duckdb.connect(str(db), read_only=True) as con:
        dealer_id, month, indicator, dimension, count = con.execute(
            "SELECT dealer_id, month, indicator, dimension, count(*) FROM alert_drilldown "
            "GROUP BY ALL ORDER BY count(*) DESC, dealer_id, month, indicator, dimension LIMIT 1"
        ).fetchone()
        top = [part for (part,) in con.execute(
            "SELECT part FROM alert_drilldown WHERE dealer_id = ? AND month = ? AND indicator = ? "
            "AND dimension = ? ORDER BY rank LIMIT 5",
            [dealer_id, month, indicator, dimension],
        ).fetchall()]  # fmt: skip
        found = explain_dealer(con, dealer_id, month)
    shown = found.drilldown.filter(
        (pl.col("indicator") == indicator) & (pl.col("dimension") == dimension)
    )
    others = [f"{count - 5} other parts"] if count > 5 else []
    assert shown["part"].to_list() == [*top, *others, "= whole change"]
    assert shown["share"][-1] == "100%"

    result = CliRunner().invoke(
        app,
        ["explain", dealer_id, "--month", f"{month:%Y-%m}", "--db", str(db)],
        terminal_width=250,
    )
    assert result.exit_code == 0, result.output
    assert "what drove each alert" in result.output and top[0] in result.output


@pytest.mark.parametrize(
    ("dealer", "month", "message"),
    [("NOPE", "2026-09", "not in the warehouse"), ("D00001", "2025-01", "no readings")],
)
def test_explain_refuses_what_it_cannot_explain(warehouse, dealer, month, message):
    _, db = warehouse
    result = CliRunner().invoke(app, ["explain", dealer, "--month", month, "--db", str(db)])
    assert result.exit_code == 2
    assert message in result.output


def test_evaluate_without_labels_scores_against_dealers_that_went_dormant(warehouse, wide_console):
    folder, _ = warehouse
    result = CliRunner().invoke(
        app, ["evaluate", "--input", str(folder), "--from", "2026-06"], terminal_width=250
    )
    assert result.exit_code == 0, result.output
    assert "against dealers that went dormant" in result.output
    assert "labels.csv" not in result.output
    assert "any alert" in result.output


def test_evaluate_with_labels_prints_both_tables(warehouse, wide_console):
    folder, _ = warehouse
    result = CliRunner().invoke(
        app,
        ["evaluate", "--input", str(folder), "--labels", str(folder / "labels.csv")],
        terminal_width=250,
    )
    assert result.exit_code == 0, result.output
    assert "against labels.csv" in result.output
    assert "all (per dealer)" in result.output
    assert "pending" in result.output
