"""Loading a folder into a real DuckDB warehouse: the ledger, skips, restatements, rejections."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dealer_warnings import pipeline
from dealer_warnings.config import Settings

RUN_DATE = date(2026, 11, 30)
ORDER_HEADER = "order_id,sku,dealer_id,order_date,quantity,unit_price"
DEALERS = ["dealer_id,dealer_name,region,tier", "D1,Alpha,North,A", "D2,Beta,South,B"]


class Warehouse:
    """An input folder and the DuckDB file it loads into."""

    def __init__(self, root: Path) -> None:
        self.input = root / "input"
        self.input.mkdir()
        self.db = root / "warehouse.duckdb"
        self.settings = Settings(ingest={"run_date": RUN_DATE})

    def write(self, name: str, *lines: str) -> Path:
        path = self.input / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def load(self) -> dict[str, pipeline.FileOutcome]:
        report = pipeline.load(self.input, self.db, self.settings)
        return {f.file_name: f for f in report.files}

    def rows(self, query: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def month(self, dealer_id: str, month: date = date(2026, 10, 1)) -> dict:
        """The dealer's dealer_month row, built as a run for that month builds it."""
        pipeline.detect(self.db, month, self.settings)
        with duckdb.connect(str(self.db), read_only=True) as con:
            frame = con.sql(
                "SELECT * FROM dealer_month WHERE dealer_id = ? AND month = ?",
                params=[dealer_id, month],
            ).pl()
        assert frame.height == 1
        return frame.row(0, named=True)

    def snapshot(self, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
        """Every table and view, sorted, so two states can be compared."""
        with duckdb.connect(str(self.db), read_only=True) as con:
            names = [
                n for (n,) in con.sql("SELECT table_name FROM information_schema.tables").fetchall()
            ]
            return {
                n: sorted(map(repr, con.sql(f'SELECT * FROM "{n}"').fetchall()))
                for n in names
                if n not in skip
            }


@pytest.fixture
def wh(tmp_path) -> Warehouse:
    warehouse = Warehouse(tmp_path)
    warehouse.write("dealers.csv", *DEALERS)
    return warehouse


def test_every_row_read_is_loaded_or_quarantined_and_the_ledger_says_so(wh):
    wh.write(
        "orders_2026-10.csv",
        ORDER_HEADER,
        "O1,S1,D1,2026-10-01,5,10",
        "O2,S1,D1,2026-10-02,0,10",  # zero quantity
        "O3,S2,D2,2026-10-03,2,-1",  # negative price
        "O4,S2,D2,2026-10-04,1,10",
    )
    wh.write(
        "complaints_2026-10.csv",
        "complaint_id,dealer_id,opened_on,category",
        "C1,D1,2026-10-05,quality",
        "C2,D1,2026-10-06,weather",
    )
    wh.write("sales.csv", "dealer_id,month,revenue,units", "D1,2026-10,1000,10", "D2,2026-10,x,1")
    outcomes = wh.load()

    orders = outcomes["orders_2026-10.csv"]
    assert (orders.status, orders.rows_read, orders.rows_loaded, orders.rows_quarantined) == (
        "loaded", 4, 2, 2,
    )  # fmt: skip
    ledger = wh.rows(
        "SELECT l.file_name, l.rows_read, l.rows_loaded, l.rows_quarantined, "
        "(SELECT count(*) FROM quarantine q WHERE q.load_id = l.load_id) "
        "FROM loads l WHERE status = 'loaded' ORDER BY file_name"
    )
    assert ledger == [
        ("complaints_2026-10.csv", 2, 1, 1, 1),
        ("dealers.csv", 2, 2, 0, 0),
        ("orders_2026-10.csv", 4, 2, 2, 2),
        ("sales.csv", 2, 1, 1, 1),
    ]
    for source in ("dealers", "orders", "complaints", "sales"):
        read, valid, raw = wh.rows(
            f"SELECT sum(rows_read), sum(rows_loaded), "
            f"(SELECT count(*) FROM raw_{source}) FROM loads WHERE source = ?",
            [source],
        )[0]
        assert (read, valid) == (raw, wh.rows(f"SELECT count(*) FROM valid_{source}")[0][0])
    quarantined = wh.rows(
        "SELECT file_name, line, column_name, value FROM quarantine ORDER BY 1, 2"
    )
    assert quarantined == [
        ("complaints_2026-10.csv", 3, "category", "weather"),
        ("orders_2026-10.csv", 3, "quantity", "0"),
        ("orders_2026-10.csv", 4, "unit_price", "-1"),
        ("sales.csv", 3, "revenue", "x"),
    ]


def test_loading_the_same_folder_twice_changes_nothing(wh):
    wh.write("orders_a.csv", ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", "O2,S1,D9,2026-10-01,1,1")
    wh.write("complaints.csv", "complaint_id,dealer_id,opened_on,category", "C1,D1,2026-10-05,质量")
    wh.write("orders_bad.csv", "order_id,sku", "O9,S9")
    wh.write("readme.csv", "just,notes")
    wh.load()
    before = wh.snapshot(skip=("runs",))

    outcomes = wh.load()

    # Loaded files are skipped; an unusable file is tried again and reported again (an alias
    # may have been added since), without a second ledger row.
    assert {name: f.status for name, f in outcomes.items()} == {
        "dealers.csv": "skipped",
        "orders_a.csv": "skipped",
        "complaints.csv": "skipped",
        "orders_bad.csv": "rejected",
        "readme.csv": "ignored",
    }
    assert wh.snapshot(skip=("runs",)) == before
    # The run log is the one table that records the second (empty) run.
    assert wh.rows("SELECT kind FROM runs ORDER BY run_id") == [("load",), ("load",)]


def test_the_same_content_under_another_name_is_skipped_and_reported(wh):
    lines = (ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", "O2,S2,D1,2026-10-02,3,10")
    wh.write("orders_2026-10.csv", *lines)
    wh.write("orders_2026-10_copy.csv", *lines)  # the same export saved twice
    first = wh.load()
    wh.write("orders_resent.csv", *lines)
    second = wh.load()

    assert first["orders_2026-10.csv"].status == "loaded"
    assert first["orders_2026-10_copy.csv"].status == "skipped"
    assert "same content as orders_2026-10.csv" in first["orders_2026-10_copy.csv"].message
    assert second["orders_resent.csv"].status == "skipped"
    assert "same content as orders_2026-10.csv" in second["orders_resent.csv"].message
    assert wh.rows("SELECT count(*), sum(quantity) FROM stg_orders") == [(2, 8)]
    assert wh.month("D1")["units_ordered"] == 8


def test_a_restated_dealer_or_complaint_replaces_the_old_value(wh):
    wh.write("complaints_1.csv", "complaint_id,dealer_id,opened_on,category",
             "C1,D1,2026-10-05,quality", "C2,D1,2026-10-06,service")  # fmt: skip
    wh.load()
    wh.write("dealers_update.csv", "dealer_id,dealer_name,region", "D1,Alpha Trading,East")
    wh.write("complaints_2.csv", "complaint_id,dealer_id,opened_on,category",
             "C1,D1,2026-10-05,logistics")  # fmt: skip
    outcomes = wh.load()

    assert wh.rows("SELECT dealer_id, dealer_name, region FROM stg_dealers ORDER BY 1") == [
        ("D1", "Alpha Trading", "East"),
        ("D2", "Beta", "South"),
    ]
    assert wh.rows("SELECT complaint_id, category FROM stg_complaints ORDER BY 1") == [
        ("C1", "logistics"),
        ("C2", "service"),
    ]
    assert outcomes["dealers_update.csv"].rows_replaced == 1
    assert outcomes["complaints_2.csv"].rows_replaced == 1
    assert wh.month("D1")["complaints"] == 2


def test_an_order_restated_in_a_later_run_replaces_all_its_earlier_lines(wh):
    wh.write("orders_a.csv", ORDER_HEADER,
             "O1,S1,D1,2026-10-01,5,10", "O1,S2,D1,2026-10-01,2,20", "O1,S3,D1,2026-10-01,1,30",
             "O2,S1,D1,2026-10-02,4,10")  # fmt: skip
    wh.write("orders_b.csv", ORDER_HEADER, "O2,S2,D1,2026-10-02,6,20")  # same run: both count
    first = wh.load()
    assert wh.month("D1")["units_ordered"] == 5 + 2 + 1 + 4 + 6
    assert first["orders_b.csv"].rows_replaced == 0

    wh.write("orders_fix.csv", ORDER_HEADER, "O1,S1,D1,2026-10-01,3,10")  # one line left
    second = wh.load()

    assert wh.rows("SELECT order_id, sku, quantity FROM stg_orders ORDER BY 1, 2") == [
        ("O1", "S1", 3),
        ("O2", "S1", 4),
        ("O2", "S2", 6),
    ]
    assert second["orders_fix.csv"].rows_replaced == 3
    month = wh.month("D1")
    assert (month["orders"], month["units_ordered"]) == (2, 3 + 4 + 6)
    assert month["order_value"] == pytest.approx(30 + 40 + 120)


def test_a_repeated_sku_within_one_order_counts_every_line(wh):
    wh.write("orders.csv", ORDER_HEADER,
             "O1,S1,D1,2026-10-01,5,10", "O1,S1,D1,2026-10-01,5,10", "O1,S1,D1,2026-10-01,2,8")  # fmt: skip
    assert wh.load()["orders.csv"].rows_loaded == 3

    month = wh.month("D1")
    assert (month["orders"], month["units_ordered"]) == (1, 12)
    assert month["order_value"] == pytest.approx(116)


def test_negative_quantity_lines_count_as_returns_not_orders(wh):
    wh.write("orders.csv", ORDER_HEADER,
             "O1,S1,D1,2026-10-01,10,10", "C1,S1,D1,2026-10-15,-4,10",
             "O2,S2,D1,2026-10-20,5,20", "O2,S2,D1,2026-10-20,-1,20")  # fmt: skip
    assert wh.load()["orders.csv"].rows_quarantined == 0

    month = wh.month("D1")
    assert month["orders"] == 2  # the credit note C1 is not an order
    assert month["units_ordered"] == 15
    assert month["units_returned"] == 5
    assert month["order_value"] == pytest.approx(200)
    assert month["avg_unit_price"] == pytest.approx(200 / 15)


def test_a_file_missing_a_required_column_is_rejected_and_the_others_still_load(wh):
    wh.write("orders_a.csv", "order_id,sku,dealer_id,order_date,unit_price",
             "O1,S1,D1,2026-10-01,10")  # fmt: skip
    wh.write("orders_b.csv", ORDER_HEADER, "O2,S1,D1,2026-10-02,3,10")
    outcomes = wh.load()

    rejected = outcomes["orders_a.csv"]
    assert rejected.status == "rejected"
    assert "missing required column(s) quantity" in rejected.message
    assert "line 1" in rejected.message
    assert outcomes["orders_b.csv"].status == "loaded"
    assert wh.rows("SELECT order_id FROM stg_orders") == [("O2",)]
    assert wh.rows("SELECT status, message FROM loads WHERE file_name = 'orders_a.csv'") == [
        ("rejected", rejected.message)
    ]


def test_an_unreadable_file_is_rejected_and_the_others_still_load(wh):
    (wh.input / "orders_a.csv").write_bytes(b"\x00\x01\x02 binary \x00" * 20)
    wh.write("orders_b.csv", ORDER_HEADER, "O2,S1,D1,2026-10-02,3,10")
    outcomes = wh.load()

    assert outcomes["orders_a.csv"].status == "rejected"
    assert "binary" in outcomes["orders_a.csv"].message
    assert outcomes["orders_b.csv"].rows_loaded == 1


def test_a_file_whose_name_matches_no_source_is_ignored_with_a_message(wh):
    wh.write("inventory_2026-10.csv", ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10")
    outcomes = wh.load()

    ignored = outcomes["inventory_2026-10.csv"]
    assert (ignored.status, ignored.source) == ("ignored", None)
    assert "matches no source" in ignored.message
    assert "orders" in ignored.message
    assert wh.rows("SELECT count(*) FROM raw_orders") == [(0,)]
    assert wh.rows("SELECT status FROM loads WHERE file_name = 'inventory_2026-10.csv'") == [
        ("ignored",)
    ]


def test_rows_of_a_dealer_missing_from_the_master_are_quarantined(wh):
    wh.write("orders.csv", ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", "O2,S1,D7,2026-10-01,5,10")
    outcome = wh.load()["orders.csv"]

    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 1)
    assert wh.rows("SELECT line, column_name, value, reason FROM quarantine") == [
        (3, "dealer_id", "D7", "dealer_id: unknown dealer_id (not in the dealer master data)")
    ]
    assert "unknown dealer_id" in outcome.message


def test_the_dealer_master_loads_first_whatever_the_file_order(tmp_path):
    wh = Warehouse(tmp_path)
    wh.write("aaa_orders.csv", ORDER_HEADER)  # matches no source; sorted first by name
    wh.write(
        "complaints.csv", "complaint_id,dealer_id,opened_on,category", "C1,D1,2026-10-05,other"
    )
    wh.write("dealers_zz.csv", *DEALERS)

    outcomes = wh.load()

    assert outcomes["complaints.csv"].rows_loaded == 1
    assert next(iter(outcomes)) == "dealers_zz.csv"


def test_a_rejected_file_loads_once_the_missing_alias_is_configured(wh):
    wh.write("orders_de.csv", "order_id,sku,dealer_id,order_date,menge,unit_price")
    with open(wh.input / "orders_de.csv", "a", encoding="utf-8") as handle:
        handle.write("O1,S1,D1,2026-10-01,5,10\n")
    assert wh.load()["orders_de.csv"].status == "rejected"

    wh.settings = Settings(ingest={"run_date": RUN_DATE, "aliases": {"Menge": "quantity"}})
    outcome = wh.load()["orders_de.csv"]

    assert (outcome.status, outcome.rows_loaded) == ("loaded", 1)
    assert wh.rows("SELECT order_id, quantity FROM stg_orders") == [("O1", 5)]


def test_great_expectations_keeps_every_quarantined_row_and_a_repeatable_sample(wh):
    import polars as pl

    from dealer_warnings.contract import SOURCES
    from dealer_warnings.ingest.headers import HeaderMatcher
    from dealer_warnings.ingest.loader import read_file

    good = [f"O{i},S1,D1,2026-10-01,{i},10" for i in range(1, 41)]
    path = wh.write(
        "orders.csv", ORDER_HEADER, *good[:20], "X1,S1,D9,2026-10-01,1,10", *good[20:],
        "X2,S1,D1,2026-10-01,0,1",
    )  # fmt: skip
    read = read_file(path, SOURCES["orders"], RUN_DATE, pl.Series(["D1"]), HeaderMatcher({}))

    first, again = read.for_gx(5), read.for_gx(5)

    assert first.parsed.rows.height == 7  # the 2 quarantined rows and 5 of the 40 loaded
    assert {22, 43} <= set(first.parsed.rows["_line"])
    assert first.parsed.rows.equals(again.parsed.rows)
    assert first.batch["line"].to_list() == first.parsed.rows["_line"].to_list()
    assert read.for_gx(None) is read and read.for_gx(40) is read
