"""A corpus of malformed input files, made here, loaded into a real DuckDB warehouse in one run.

Each case states its exact outcome: the file's status and message, which lines were loaded and
which were quarantined with which reason. Every file's ledger row adds up.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from dealer_warnings import pipeline
from dealer_warnings.config import Settings

RUN_DATE = date(2026, 11, 30)
ORDER_HEADER = "order_id,sku,dealer_id,order_date,quantity,unit_price"
TOTAL = "total row, not data"
EXPECTED_DATE = "expected a date (YYYY-MM-DD, YYYY/MM/DD or DD/MM/YYYY)"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def text(*lines: str, encoding: str = "utf-8", newline: str = "\n") -> Callable[[Path], None]:
    return lambda path: path.write_bytes((newline.join(lines) + newline).encode(encoding))


def raw(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def xlsx(rows: dict[int, list], merge: str | None = None) -> Callable[[Path], None]:
    """A workbook whose first sheet holds `rows` by Excel row number (and one merged range)."""

    def write(path: Path) -> None:
        book = openpyxl.Workbook()
        sheet = book.active
        for row, values in rows.items():
            for column, value in enumerate(values, start=1):
                sheet.cell(row=row, column=column, value=value)
        if merge:
            sheet.merge_cells(merge)
        book.save(path)

    return write


def parquet(frame: pl.DataFrame) -> Callable[[Path], None]:
    return lambda path: frame.write_parquet(path)


@dataclass(frozen=True)
class Case:
    file_name: str
    write: Callable[[Path], None]
    status: str
    message: str = ""  # a part of the file's message
    loaded: list[int] = field(default_factory=list)  # lines loaded
    quarantined: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


CASES = [
    Case("orders_01_empty.csv", raw(b""), "rejected", "the file is empty (expected a header row"),
    Case("orders_02_blank.csv", raw(b" \r\n\n  \n"), "rejected", "the file is empty"),
    Case(
        "orders_03_junk.csv",
        raw(random.Random(3).randbytes(3000)),
        "rejected",
        "binary content, not a text file (expected a CSV export)",
    ),
    Case(
        "orders_04_password.xlsx",
        raw(OLE2 + b"\x00" * 4088),
        "rejected",
        "encrypted or old .xls workbook",
    ),
    Case("orders_05_old_excel.csv", raw(OLE2 + b"\x01" * 600), "rejected", "encrypted or old .xls"),
    Case(
        "orders_06_zip.xlsx", raw(b"PK\x03\x04 not a workbook"), "rejected", "not a readable .xlsx"
    ),
    Case("orders_07.parquet", raw(b"PAR1 not parquet"), "rejected", "not a readable Parquet file"),
    Case(
        "orders_08.json",
        raw(b"[]"),
        "rejected",
        "unsupported file type '.json' (expected one of .csv, .parquet, .xlsm, .xlsx)",
    ),
    Case(
        "inventory_09.csv",
        text(ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10"),
        "ignored",
        "name matches no source (expected a name starting with dealers, sales, orders",
    ),
    Case(
        "orders_10_no_quantity.csv",
        text("order_id,sku,dealer_id,order_date,unit_price", "O1,S1,D1,2026-10-01,10"),
        "rejected",
        "missing required column(s) quantity (header on line 1",
    ),
    Case(
        "orders_11_ambiguous.csv",
        text("order_id,订单号,sku,dealer_id,order_date,quantity,unit_price"),
        "rejected",
        "ambiguous header: order_id, 订单号 all mean order_id (expected one column each)",
    ),
    Case(
        "orders_12_header_only.csv", text(ORDER_HEADER), "loaded", "no data rows under the header"
    ),
    Case(
        "orders_13_undecodable.csv",
        raw(f"{ORDER_HEADER}\nO1,S1,D1,2026-10-01,5,".encode() + b"\x80\xff\n"),
        "rejected",
        "cannot be decoded as UTF-8, UTF-16 or GB18030/GBK text",
    ),
    Case(
        "orders_14_chinese_total.csv",
        text(ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", "O2,S2,D2,2026-10-02,2,20", "合计,,,,7,"),
        "loaded",
        "1 total row(s) quarantined, not loaded as data (line 4)",
        loaded=[2, 3],
        quarantined=[(4, TOTAL)],
    ),
    Case(
        "orders_15_total_semicolons.csv",
        text(
            ORDER_HEADER.replace(",", ";"),
            "O1;S1;D1;01/10/2026;5;10,50",
            "Subtotal North;;;;5;",
            "Total:;;;;5;",
        ),
        "loaded",
        "2 total row(s)",
        loaded=[2],
        quarantined=[(3, TOTAL), (4, TOTAL)],
    ),
    Case(
        "orders_16_bare_sum_row.csv",
        text(ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", "O2,S2,D2,2026-10-02,2,20", ",,,,7,"),
        "loaded",
        "total row",
        loaded=[2, 3],
        quarantined=[(4, TOTAL)],
    ),
    Case(
        "orders_17_keyless_not_a_sum.csv",
        text(ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", ",,,,9,"),
        "loaded",
        "1 row(s) quarantined, e.g. line 3",
        loaded=[2],
        quarantined=[
            (
                3,
                "order_id: required value missing; sku: required value missing; "
                "dealer_id: required value missing; order_date: required value missing; "
                "unit_price: required value missing",
            )
        ],
    ),
    Case(
        "orders_18_title_and_total.xlsx",
        xlsx(
            {
                1: ["Orders October 2026"],
                3: ORDER_HEADER.split(","),
                4: ["O1", "S1", "D1", date(2026, 10, 1), 5, 10],
                5: ["O2", "S2", "D2", date(2026, 10, 2), 3, 20],
                6: ["总计", None, None, None, 8, None],
            }
        ),
        "loaded",
        "total row",
        loaded=[4, 5],
        quarantined=[(6, TOTAL)],
    ),
    Case(
        "orders_19_merged_dealer.xlsx",
        xlsx(
            {
                1: ORDER_HEADER.split(","),
                2: ["O1", "S1", "D2", date(2026, 10, 1), 5, 10],
                3: ["O2", "S2", None, date(2026, 10, 2), 3, 20],
                4: ["O3", "S3", None, date(2026, 10, 3), 1, 30],
            },
            merge="C2:C4",
        ),
        "loaded",
        "1 merged cell range(s) read as their top-left value",
        loaded=[2, 3, 4],
    ),
    Case(
        "orders_20_ragged.csv",
        text(
            ORDER_HEADER,
            "O1,S1,D1,2026-10-01,5,10",
            "O2,S1,D1,2026-10-02,3,10,gift wrap,urgent",
            "O3,S2,D2,2026-10-03,1,30",
        ),
        "loaded",
        "1 line(s) with more fields than the header quarantined (line 3)",
        loaded=[2, 4],
        quarantined=[
            (3, "line has 8 fields, the header has 6 (a delimiter inside an unquoted value?)")
        ],
    ),
    Case(
        "orders_20b_trailing_delimiters.csv",
        text(ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10,", "O2,S2,D2,2026-10-02,1,10,,"),
        "loaded",
        loaded=[2, 3],
    ),
    Case(
        "orders_21_utf16_tabs.csv",
        text(
            ORDER_HEADER.replace(",", "\t"),
            "O1\tS1\tD1\t2026-10-01\t5\t10",
            "O2\tS2\tD2\t2026-10-02\t0\t10",
            encoding="utf-16",
            newline="\r\n",
        ),
        "loaded",
        "quantity: must not be 0",
        loaded=[2],
        quarantined=[(3, "quantity: must not be 0")],
    ),
    Case(
        "orders_22_utf16le_no_bom.csv",
        text(ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", encoding="utf-16-le"),
        "loaded",
        loaded=[2],
    ),
    Case(
        "orders_23_gbk.csv",
        text(
            "订单号,物料编码,经销商编码,订单日期,数量,单价",
            "O1,S1,D1,2026/10/01,5,10",
            "O2,S1,D1,2026-02-30,5,10",
            encoding="gb18030",
        ),
        "loaded",
        "order_date: expected a date",
        loaded=[2],
        quarantined=[(3, f"order_date: {EXPECTED_DATE}")],
    ),
    Case(
        "orders_24_spanish_extra_column.csv",
        text(
            "número_pedido,código_producto,código_distribuidor,fecha_pedido,cantidad,"
            "precio_unitario,comentario",
            'P1,S1,D2,31/10/2026,4,"1.234,50",urgente',
        ),
        "loaded",
        loaded=[2],
    ),
    Case(
        "orders_25_rule_breaks.csv",
        text(
            ORDER_HEADER,
            "O1,S1,D1,2026-10-01,5,10",
            "O2,S1,D1,2026-10-01,0,10",
            "O3,S1,D1,2026-10-01,1,-2",
            "O4,S1,D9,2026-10-01,1,2",
            "O5,S1,D1,2026-12-24,1,2",
            "O6,,D1,2026-10-01,1,2",
            "O7,S1,D1,yesterday,1.5,2",
            "O8,S1,D1,2026-10-01,1,12abc",
        ),
        "loaded",
        "7 row(s) quarantined, e.g. line 3: quantity: must not be 0",
        loaded=[2],
        quarantined=[
            (3, "quantity: must not be 0"),
            (4, "unit_price: must be >= 0"),
            (5, "dealer_id: unknown dealer_id (not in the dealer master data)"),
            (6, "order_date: date after the run date 2026-11-30"),
            (7, "sku: required value missing"),
            (8, f"order_date: {EXPECTED_DATE}; quantity: expected a whole number"),
            (9, "unit_price: expected a number"),
        ],
    ),
    Case(
        "complaints_26.csv",
        text(
            "complaint_id,dealer_id,opened_on,category,severity",
            "C1,D1,2026-10-05,质量,高",
            "C2,D1,2026-10-06,weather,low",
            "C3,D2,2026-10-07,Logística,urgent",
        ),
        "loaded",
        "2 row(s) quarantined",
        loaded=[2],
        quarantined=[
            (3, "category: expected one of quality, logistics, packaging, service, design, other"),
            (4, "severity: expected one of low, medium, high"),
        ],
    ),
    Case(
        "sales_27.csv",
        text(
            "dealer_id,month,revenue,units",
            'D1,202610,"1,000.00",10',
            "D2,2026-13,100,1",
            "D2,2026-10,€ 50,-1",
        ),
        "loaded",
        "2 row(s) quarantined",
        loaded=[2],
        quarantined=[
            (3, "month: expected a month (YYYY-MM, YYYY/MM, YYYYMM or a date)"),
            (4, "units: must be >= 0"),
        ],
    ),
    Case("orders_28_empty_sheet.xlsx", xlsx({}), "rejected", "the first sheet is empty"),
    Case(
        "orders_29_no_header.csv",
        text("Order report 2026", "nothing to see here"),
        "rejected",
        "missing required column(s) order_id, sku, dealer_id, order_date, quantity, unit_price",
    ),
    Case(
        "quality_30.parquet",
        parquet(
            pl.DataFrame(
                {
                    "incident_id": ["Q1", "Q2", None],
                    "dealer_id": ["D1", "D2", "D1"],
                    "reported_on": [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)],
                    "defect_type": ["scratch", "crack", "dent"],
                    "units_affected": [1, -3, 2],
                }
            )
        ),
        "loaded",
        "2 row(s) quarantined",
        loaded=[1],
        quarantined=[
            (2, "units_affected: must be >= 0"),
            (3, "incident_id: required value missing"),
        ],
    ),
    Case(
        "dealers_31_total.csv",
        text(
            "dealer_id,dealer_name,region,tier",
            "D1,Alpha,North,A",
            "D2,Beta,South,B",
            "D3,,South,B",
            "合计：3,,,",  # noqa: RUF001 (a full-width colon, as Chinese exports write it)
        ),
        "loaded",
        "total row",
        loaded=[2, 3],
        quarantined=[(4, "dealer_name: required value missing"), (5, TOTAL)],
    ),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[dict[str, pipeline.FileOutcome], Path]:
    """Every case's file in one folder, loaded in one run: (outcome by file name, warehouse)."""
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "input"
    folder.mkdir()
    for case in CASES:
        case.write(folder / case.file_name)
    db = root / "warehouse.duckdb"
    report = pipeline.load(folder, db, Settings(ingest={"run_date": RUN_DATE}))
    return {f.file_name: f for f in report.files}, db


def test_the_corpus_has_at_least_25_malformed_files():
    assert len({case.file_name for case in CASES}) == len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.file_name for c in CASES])
def test_each_malformed_file_has_its_exact_outcome(loaded, case):
    outcomes, db = loaded
    outcome = outcomes[case.file_name]

    assert outcome.status == case.status, outcome.message
    assert case.message in outcome.message
    with duckdb.connect(str(db), read_only=True) as con:
        loaded_lines = []
        if outcome.source:
            loaded_lines = [
                line
                for (line,) in con.execute(
                    f"SELECT v.line FROM valid_{outcome.source} v JOIN loads l USING (load_id) "
                    "WHERE l.file_name = ? ORDER BY v.line",
                    [case.file_name],
                ).fetchall()
            ]
        quarantined = con.execute(
            "SELECT line, reason FROM quarantine WHERE file_name = ? ORDER BY line",
            [case.file_name],
        ).fetchall()
    assert loaded_lines == case.loaded
    assert quarantined == case.quarantined
    assert outcome.rows_read == outcome.rows_loaded + outcome.rows_quarantined
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (
        len(case.loaded),
        len(case.quarantined),
    )


def test_every_file_in_the_ledger_adds_up_and_matches_the_tables(loaded):
    _, db = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        ledger = con.sql(
            "SELECT l.file_name, l.source, l.rows_read, l.rows_loaded, l.rows_quarantined, "
            "(SELECT count(*) FROM quarantine q WHERE q.load_id = l.load_id) AS in_quarantine "
            "FROM loads l WHERE status = 'loaded'"
        ).fetchall()
        for name, source, read, loaded_rows, quarantined, in_quarantine in ledger:
            (valid,) = con.execute(
                f"SELECT count(*) FROM valid_{source} v JOIN loads l USING (load_id) "
                "WHERE l.file_name = ?",
                [name],
            ).fetchone()
            assert read == loaded_rows + quarantined, name
            assert (valid, in_quarantine) == (loaded_rows, quarantined), name
    assert len(ledger) == sum(case.status == "loaded" for case in CASES)


def test_a_rejected_file_names_itself_in_the_ledger(loaded):
    _, db = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        rejected = dict(
            con.sql("SELECT file_name, message FROM loads WHERE status = 'rejected'").fetchall()
        )
    assert set(rejected) == {c.file_name for c in CASES if c.status == "rejected"}
    assert all(message for message in rejected.values())


def test_unknown_columns_are_kept_in_raw_extra_columns(loaded):
    _, db = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT r.order_id, r.dealer_id, r.unit_price, r.extra_columns FROM raw_orders r "
            "JOIN loads l USING (load_id) WHERE l.file_name = 'orders_24_spanish_extra_column.csv'"
        ).fetchall()
        typed = con.execute("SELECT unit_price, order_date FROM stg_orders WHERE order_id = 'P1'")
        assert typed.fetchall() == [(1234.5, date(2026, 10, 31))]
    assert rows == [("P1", "D2", "1.234,50", '{"comentario":"urgente"}')]


def test_merged_cells_give_every_row_their_value(loaded):
    _, db = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        dealers = con.execute(
            "SELECT order_id, dealer_id FROM stg_orders WHERE order_id IN ('O1', 'O2', 'O3') "
            "AND load_id = (SELECT load_id FROM loads WHERE file_name = ?) ORDER BY 1",
            ["orders_19_merged_dealer.xlsx"],
        ).fetchall()
    assert dealers == [("O1", "D2"), ("O2", "D2"), ("O3", "D2")]


def test_a_malformed_line_keeps_all_its_fields_in_the_quarantine(loaded):
    _, db = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT value, row_json FROM quarantine WHERE file_name = 'orders_20_ragged.csv'"
        ).fetchone()
    assert row == (
        "O2,S1,D1,2026-10-02,3,10,gift wrap,urgent",
        '["O2", "S1", "D1", "2026-10-02", "3", "10", "gift wrap", "urgent"]',
    )
