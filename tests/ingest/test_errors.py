"""What `dealer-warnings run` says, and its exit code, when what it is given cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealer_warnings.cli import app

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No dealer-warnings.yaml from the working folder; a fixed run date."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEALER_WARNINGS_INGEST__RUN_DATE", "2026-11-30")


def run(folder: Path, db: Path | str):
    result = CliRunner().invoke(
        app, ["run", "--input", str(folder), "--db", str(db), "--as-of", "2026-10"]
    )
    return result, " ".join(result.output.split())


@pytest.fixture
def folder(tmp_path) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "dealers.csv").write_text("dealer_id,dealer_name,region\nD1,Alpha,North\n")
    return folder


def test_a_database_path_that_cannot_be_created_exits_2_naming_it(folder):
    result, said = run(folder, "/dev/null/warehouse.duckdb")

    assert result.exit_code == 2
    assert (
        "cannot create the warehouse /dev/null/warehouse.duckdb: /dev/null is not a folder "
        "(expected a path in a writable folder)"
    ) in said


def test_a_database_path_that_is_not_a_duckdb_file_exits_2_naming_it(folder, tmp_path):
    db = tmp_path / "notes.duckdb"
    db.write_text("not a database")
    result, said = run(folder, db)

    assert result.exit_code == 2
    assert f"cannot open the warehouse {db}" in said
    assert "not a valid DuckDB database file" in said


def test_a_missing_input_folder_says_what_a_folder_should_hold(tmp_path):
    result, said = run(tmp_path / "exports", tmp_path / "w.duckdb")

    assert result.exit_code == 2
    assert f"input folder {tmp_path / 'exports'} does not exist or is not a folder" in said
    assert "expected a folder of dealers*, sales*, orders*, complaints*, quality* files" in said


def test_unusable_files_are_named_in_the_summary_and_the_run_still_succeeds(folder, tmp_path):
    (folder / "orders_locked.xlsx").write_bytes(OLE2 + b"\x00" * 1024)
    (folder / "orders_empty.csv").write_bytes(b"")
    (folder / "stock.csv").write_text("sku,units\nS1,4\n")
    (folder / "orders_ok.csv").write_text(
        "order_id,sku,dealer_id,order_date,quantity,unit_price\n"
        "O1,S1,D1,2026-10-01,5,10\nO2,S1,D1,2026-10-01,0,10\n"
    )
    result, said = run(folder, tmp_path / "w.duckdb")

    assert result.exit_code == 0, result.output
    assert "rejected: orders_locked.xlsx: encrypted or old .xls workbook" in said
    assert "rejected: orders_empty.csv: the file is empty (expected a header row" in said
    assert "ignored: stock.csv: name matches no source" in said
    assert "1 quarantined row(s): list them with `dealer-warnings quarantine --db" in said


def test_a_run_where_nothing_usable_arrived_exits_1(tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "orders.csv").write_bytes(OLE2 + b"\x00" * 1024)
    result, said = run(folder, tmp_path / "w.duckdb")

    assert result.exit_code == 1
    assert "rejected: orders.csv: encrypted or old .xls workbook" in said
