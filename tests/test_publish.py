"""The published copy: analysts read it while runs write the warehouse and new copies swap in.

Readers and the writer are separate processes, as an analyst's duckdb shell and a nightly run
are: DuckDB's file lock is per process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dealer_warnings import warehouse
from dealer_warnings.config import WarehouseSettings

# Opens a database read-only, prints its run count, and on each line from stdin prints it again
# (through the same connection) until stdin closes.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
count = lambda: con.execute("SELECT count(*) FROM runs").fetchone()[0]
print(count(), flush=True)
for _ in sys.stdin:
    print(count(), flush=True)
"""

# Opens a database for writing, inserts a run in an open transaction, says so, and holds both
# until stdin closes.
WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.begin()
con.execute("INSERT INTO runs (run_id, kind, run_date) VALUES (99, 'load', current_date)")
print("writing", flush=True)
sys.stdin.read()
"""


def start(script: str, db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def runs_in(db: Path) -> int:
    """The run count a new analyst process sees."""
    reader = start(READER, db)
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    return int(out.split()[0])


def add_run(db: Path, run_id: int) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute(
            "INSERT INTO runs (run_id, kind, run_date) VALUES (?, 'load', current_date)", [run_id]
        )


@pytest.fixture
def db(tmp_path) -> Path:
    """A migrated warehouse with one run."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        warehouse.migrate(con)
    add_run(path, 1)
    return path


def test_publish_copies_the_warehouse_with_its_documentation(db):
    published = warehouse.publish(db)
    assert published == db.parent / "warehouse.published.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        comment = con.execute(
            "SELECT comment FROM duckdb_views() WHERE view_name = 'peer_benchmarks'"
        ).fetchone()[0]
        assert comment.startswith("Grain:")
        assert con.execute("SELECT count(*) FROM alert_outcomes").fetchone()[0] == 0
    assert list(db.parent.glob("*.new")) == []


def test_a_reader_keeps_its_copy_while_a_new_one_is_published(db):
    published = warehouse.publish(db)
    reader = start(READER, published)
    try:
        assert reader.stdout.readline().strip() == "1"
        add_run(db, 2)
        warehouse.publish(db)  # the old copy is still open in the reader
        assert runs_in(published) == 2  # a new analyst gets the new copy
        reader.stdin.write("again\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"  # the open one reads on, unchanged
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    assert reader.returncode == 0, reader.stderr.read()


def test_analysts_read_the_published_copy_while_a_run_writes(db):
    published = warehouse.publish(db)
    writer = start(WRITER, db)
    try:
        assert writer.stdout.readline().strip() == "writing"
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(db), read_only=True)  # why the copy exists
        assert runs_in(published) == 1
        with pytest.raises(warehouse.WarehouseBusy):  # a half-written run is never published
            warehouse.publish(db, WarehouseSettings(lock_timeout_seconds=0.5))
        assert runs_in(published) == 1
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read()


def test_publishing_a_missing_warehouse_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        warehouse.publish(tmp_path / "nothing.duckdb")
