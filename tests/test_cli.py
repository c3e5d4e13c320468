"""The command line, through typer's CliRunner: exit codes and what a user reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dealer_warnings.cli import app
from dealer_warnings.demo import write_demo

AS_OF = date(2026, 9, 1)


def flat(text: str) -> str:
    return "".join(text.split())


def says(result, *texts: str) -> None:
    """Each text is in the output, wherever the console wrapped its lines."""
    for text in texts:
        assert flat(text) in flat(result.output), (text, result.output)


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No dealer-warnings.yaml from the working folder; a fixed run date."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEALER_WARNINGS_INGEST__RUN_DATE", "2026-10-05")


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, dealers=30, months=16, seed=5, end_month=AS_OF)
    return folder


@pytest.fixture(scope="module")
def ran(demo_folder, tmp_path_factory):
    """`run` once over the demo: (result, warehouse path)."""
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.chdir(db.parent)
        env.setenv("DEALER_WARNINGS_INGEST__RUN_DATE", "2026-10-05")
        result = invoke("run", "--input", demo_folder, "--db", db, "--as-of", "2026-09")
    return result, db


def top_dealer(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql("SELECT dealer_id FROM dealer_risk WHERE month = ? AND rank = 1",
                       params=[AS_OF]).fetchall()[0][0]  # fmt: skip


def test_run_loads_detects_and_prints_the_summary(ran):
    result, db = ran

    assert result.exit_code == 0, result.output
    says(result, "new file(s) from", "rows loaded, 0 quarantined", "Alerts 2026-09..2026-09:")
    says(result, "order_drop", "price_drop", "complaint_spike", "quality_spike", "sales_drop")
    says(result, "Dealers to call first, 2026-09", top_dealer(db))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM alerts WHERE month = ?", params=[AS_OF]).fetchall()[0][
            0
        ]


@pytest.mark.parametrize("bad", ["2026-13", "Sept 2026"])
def test_a_bad_as_of_exits_2_naming_the_option(tmp_path, demo_folder, bad):
    result = invoke("run", "--input", demo_folder, "--db", tmp_path / "w.duckdb", "--as-of", bad)

    assert result.exit_code == 2
    says(result, "--as-of", bad)
    assert not (tmp_path / "w.duckdb").exists()  # refused before touching the warehouse


def test_a_missing_input_folder_exits_2_naming_the_folder(tmp_path):
    missing = tmp_path / "exports" / "october"
    result = invoke("run", "--input", missing, "--db", tmp_path / "w.duckdb", "--as-of", "2026-09")

    assert result.exit_code == 2
    says(result, str(missing), "does not exist")


def test_a_folder_of_only_rejected_files_fails_the_run(tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "orders.csv").write_text("order_id,sku\nO1,S1\n")
    result = invoke("run", "--input", folder, "--db", tmp_path / "w.duckdb", "--as-of", "2026-09")

    assert result.exit_code == 1
    says(result, "rejected: orders.csv: missing required column(s) dealer_id, order_date")


def test_demo_data_ends_at_the_month_asked_for(tmp_path):
    out = tmp_path / "demo"
    result = invoke("demo-data", "--out", out, "--dealers", 30, "--months", 16, "--end", "2025-03")

    assert result.exit_code == 0, result.output
    orders = sorted(path.name for path in out.glob("orders_*"))
    assert (orders[0], orders[-1]) == ("orders_2023-12.csv", "orders_2025-03.xlsx")


def test_demo_data_too_small_for_its_events_exits_2_saying_why(tmp_path):
    result = invoke("demo-data", "--out", tmp_path / "demo", "--dealers", 20, "--months", 14)

    assert result.exit_code == 2
    says(result, "20 dealers are too few")


def test_demo_data_refuses_a_bad_end_month(tmp_path):
    result = invoke("demo-data", "--out", tmp_path / "demo", "--end", "March 2025")

    assert result.exit_code == 2
    says(result, "--end", "March 2025")
    assert not (tmp_path / "demo").exists()


def test_alerts_prints_the_ranked_table(ran):
    _, db = ran
    result = invoke("alerts", "--db", db)

    assert result.exit_code == 0, result.output
    says(result, "Dealers to call first, 2026-09", "rank", "risk", top_dealer(db))
    with duckdb.connect(str(db), read_only=True) as con:
        says(result, *(d for (d,) in con.sql("SELECT dealer_id FROM dealer_risk").fetchall()))


def test_alerts_for_a_month_without_alerts_prints_an_empty_table(ran):
    _, db = ran
    result = invoke("alerts", "--db", db, "--month", "2026-01")

    assert result.exit_code == 0, result.output
    says(result, "Dealers to call first, 2026-01")
    assert top_dealer(db) not in flat(result.output)


def test_alerts_without_a_warehouse_exits_2_naming_it(tmp_path):
    missing = tmp_path / "nothing-here.duckdb"
    result = invoke("alerts", "--db", missing)

    assert result.exit_code == 2, result.exception
    says(result, str(missing))
