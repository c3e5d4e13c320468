"""Properties of loading, for random mixes of good and bad rows in real files and warehouses:
every row read is loaded or quarantined, and loading twice is loading once."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealer_warnings import pipeline
from dealer_warnings.config import Settings

RUN_DATE = date(2026, 11, 30)
HEADER = "order_id,sku,dealer_id,order_date,quantity,unit_price"
GOOD = "{id},S1,D1,2026-10-01,5,10"
BAD = [  # one broken rule each (or a line that fits no column)
    "{id},S1,D1,2026-10-01,0,10",
    "{id},S1,D1,2026-10-01,3,-1",
    "{id},S1,D9,2026-10-01,3,1",
    "{id},S1,D2,2027-01-01,3,1",
    "{id},,D2,2026-10-01,3,1",
    "{id},S1,D2,2026-10-01,three,1",
    "{id},S1,D2,2026-10-01,3,1,stray",
]
rows = st.lists(st.one_of(st.just(GOOD), st.sampled_from(BAD)), min_size=1, max_size=25)


def snapshot(db: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        names = [
            n for (n,) in con.sql("SELECT table_name FROM information_schema.tables").fetchall()
        ]
        return {
            n: sorted(map(repr, con.sql(f'SELECT * FROM "{n}"').fetchall()))
            for n in names
            if n != "runs"
        }


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows, with_total=st.booleans())
def test_every_row_is_loaded_or_quarantined_and_loading_twice_is_loading_once(rows, with_total):
    with tempfile.TemporaryDirectory() as scratch:
        folder, db = Path(scratch) / "input", Path(scratch) / "warehouse.duckdb"
        folder.mkdir()
        (folder / "dealers.csv").write_text("dealer_id,dealer_name,region\nD1,A,N\nD2,B,S\n")
        lines = [row.format(id=f"O{i}") for i, row in enumerate(rows)]
        if with_total:
            lines.append("合计,,,,99,")
        (folder / "orders.csv").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
        run_settings = Settings(ingest={"run_date": RUN_DATE})

        first = pipeline.load(folder, db, run_settings)
        once = snapshot(db)
        second = pipeline.load(folder, db, run_settings)

        orders = next(f for f in first.files if f.file_name == "orders.csv")
        assert orders.rows_read == len(lines)
        assert orders.rows_loaded == rows.count(GOOD)
        assert orders.rows_quarantined == len(lines) - rows.count(GOOD)
        assert orders.rows_read == orders.rows_loaded + orders.rows_quarantined
        with duckdb.connect(str(db), read_only=True) as con:
            tables = con.sql(
                "SELECT (SELECT count(*) FROM valid_orders), (SELECT count(*) FROM quarantine "
                "WHERE file_name = 'orders.csv')"
            ).fetchall()[0]
        assert tables == (orders.rows_loaded, orders.rows_quarantined)
        assert {f.status for f in second.files} == {"skipped"}
        assert snapshot(db) == once
