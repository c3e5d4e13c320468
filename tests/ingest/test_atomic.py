"""A run is one transaction: killed mid-load it leaves nothing behind, and two runs at once on
one warehouse take turns. Real processes, real DuckDB files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from dealer_warnings import pipeline, warehouse
from dealer_warnings.cli import app
from dealer_warnings.config import Settings

RUN_DATE = date(2026, 11, 30)
AS_OF = date(2026, 10, 1)
DEALERS = 40


def write_orders(path: Path, month: int, lines: int) -> None:
    """An order export of `lines` lines over the month, for dealers D00..D39."""
    i = pl.int_range(lines)
    pl.select(
        order_id=pl.format("O{}-{}", pl.lit(month), i // 3),
        sku=pl.format("S{}", i % 17),
        dealer_id=pl.format("D{}", (i % DEALERS).cast(pl.Utf8).str.zfill(2)),
        order_date=pl.date(2026, month, 1) + pl.duration(days=i % 28),
        quantity=(i % 5) + 1,
        unit_price=10 + (i % 7).cast(pl.Float64),
    ).write_csv(path)


def write_dealers(path: Path) -> None:
    pl.DataFrame({
        "dealer_id": [f"D{n:02d}" for n in range(DEALERS)],
        "dealer_name": [f"Dealer {n}" for n in range(DEALERS)],
        "region": ["North", "South"] * (DEALERS // 2),
    }).write_csv(path)  # fmt: skip


def snapshot(db: Path) -> dict[str, list[str]]:
    """Every table but `runs`, sorted, without load timestamps: the state two warehouses share."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            name
            for (name,) in con.sql(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' AND table_name <> 'runs'"
            ).fetchall()
        ]
        return {
            name: sorted(
                map(repr, con.sql(f'SELECT * EXCLUDE (loaded_at) FROM "{name}"').fetchall())
            )
            if name == "loads"
            else sorted(map(repr, con.sql(f'SELECT * FROM "{name}"').fetchall()))
            for name in tables
        }


def settings(lock_timeout: float = 60) -> Settings:
    return Settings(ingest={"run_date": RUN_DATE}, warehouse={"lock_timeout_seconds": lock_timeout})


# The child process runs the real pipeline and stops, as if stuck, once it has written two files
# into the open transaction.
PAUSED_RUN = """
import sys, time
from datetime import date
from pathlib import Path
from dealer_warnings import pipeline
from dealer_warnings.config import Settings
from dealer_warnings.ingest import loader

written = []
write_file = loader.write_file

def write_then_pause(*args, **kwargs):
    outcome = write_file(*args, **kwargs)
    if outcome.status == "loaded":
        written.append(outcome.file_name)
    if len(written) == 2:
        print("paused after", ", ".join(written), flush=True)
        time.sleep(600)
    return outcome

loader.write_file = write_then_pause
pipeline.run(Path(sys.argv[1]), Path(sys.argv[2]), date(2026, 10, 1),
             Settings(ingest={"run_date": date(2026, 11, 30)}))
"""


def test_a_run_killed_mid_load_leaves_the_warehouse_a_clean_run_gives(tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    write_dealers(folder / "dealers.csv")
    for month in (7, 8):
        write_orders(folder / f"orders_2026-{month:02d}.csv", month, 2_000)
    clean, killed = tmp_path / "clean.duckdb", tmp_path / "killed.duckdb"
    pipeline.run(folder, clean, AS_OF, settings())
    shutil.copy(clean, killed)  # the same committed state in both
    # More rows than a DuckDB row group (122,880): they reach the file before the commit.
    write_orders(folder / "orders_2026-09.csv", 9, 130_000)
    write_orders(folder / "orders_2026-10.csv", 10, 2_000)
    (folder / "dealers_update.csv").write_text("dealer_id,dealer_name,region\nD00,Renamed,East\n")
    pipeline.run(folder, clean, AS_OF, settings())
    committed = snapshot(killed)
    size_before = killed.stat().st_size

    child = subprocess.Popen(
        [sys.executable, "-c", PAUSED_RUN, str(folder), str(killed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        paused = child.stdout.readline()
        assert paused == "paused after dealers_update.csv, orders_2026-09.csv\n", paused
        grown = killed.stat().st_size + sum(
            p.stat().st_size for p in tmp_path.glob("killed.duckdb.wal")
        )
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()

    assert child.returncode == -signal.SIGKILL
    assert grown > size_before  # the killed run had written into the file
    assert snapshot(killed) == committed  # nothing of the killed run survives
    pipeline.run(folder, killed, AS_OF, settings())
    assert snapshot(killed) == snapshot(clean)
    with duckdb.connect(str(killed), read_only=True) as con:
        assert con.sql("SELECT kind FROM runs ORDER BY run_id").fetchall() == [("run",), ("run",)]


HOLD = """
import sys, time
from pathlib import Path
from dealer_warnings import warehouse
con = warehouse.connect(Path(sys.argv[1]))
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold(db: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the warehouse for `seconds` (returns once it holds it)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


@pytest.fixture
def small_folder(tmp_path) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    write_dealers(folder / "dealers.csv")
    write_orders(folder / "orders_2026-10.csv", 10, 300)
    return folder


def test_a_second_run_waits_while_another_process_holds_the_warehouse(tmp_path, small_folder):
    db, clean = tmp_path / "w.duckdb", tmp_path / "clean.duckdb"
    pipeline.run(small_folder, clean, AS_OF, settings())
    holder = hold(db, 3)  # as a first run does, from its first statement to its commit
    try:
        with pytest.raises(warehouse.WarehouseBusy, match=r"in use by another process \(PID \d+\)"):
            pipeline.run(small_folder, db, AS_OF, settings(lock_timeout=0.2))
        started = time.monotonic()
        second = pipeline.run(small_folder, db, AS_OF, settings(lock_timeout=60))
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()

    assert waited >= 1  # it waited its turn instead of failing
    assert {f.status for f in second.load.files} == {"loaded"}
    assert snapshot(db) == snapshot(clean)


def test_a_run_that_cannot_wait_longer_exits_1_naming_the_warehouse(
    tmp_path, small_folder, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no dealer-warnings.yaml from the working folder
    db = tmp_path / "w.duckdb"
    holder = hold(db, 30)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(
            app, ["run", "--input", str(small_folder), "--db", str(db), "--as-of", "2026-10"],
            env={"DEALER_WARNINGS_WAREHOUSE__LOCK_TIMEOUT_SECONDS": "1"},
        )  # fmt: skip
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()

    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert f"{db} is in use by another process (PID {holder.pid})" in flat
    assert "still after waiting 1 s" in flat
    assert 1 <= waited < 20
