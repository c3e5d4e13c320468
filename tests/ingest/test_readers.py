"""Reading one file into text cells: formats, encodings, header detection, line numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from dealer_warnings.contract import SOURCES
from dealer_warnings.ingest.headers import HeaderMatcher
from dealer_warnings.ingest.readers import LINE, FileRejected, read_table

ORDERS = SOURCES["orders"]
HEADER = ["order_id", "sku", "dealer_id", "order_date", "quantity", "unit_price"]
ROWS = [
    ["O1", "S1", "D1", "2026-10-01", "5", "12.5"],
    ["O2", "S2", "D2", "2026-10-02", "3", "4"],
]


def read(path: Path, matcher: HeaderMatcher | None = None):
    return read_table(path, (matcher or HeaderMatcher()).header_score(ORDERS))


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


def csv_lines(rows: list[list[str]], sep: str = ",") -> list[str]:
    return [sep.join(row) for row in rows]


def cells(table) -> list[list[str]]:
    return [list(row) for row in table.frame.select(HEADER).rows()]


def test_utf8_csv_is_read_as_text_with_file_line_numbers(tmp_path):
    table = read(write_csv(tmp_path / "orders.csv", csv_lines([HEADER, *ROWS])))

    assert table.encoding == "utf-8"
    assert table.header_line == 1
    assert table.frame.columns == [LINE, *HEADER]
    assert all(dtype == pl.Utf8 for c, dtype in table.frame.schema.items() if c != LINE)
    assert cells(table) == ROWS
    assert table.frame[LINE].to_list() == [2, 3]


def test_utf8_bom_is_detected_and_not_glued_to_the_first_header(tmp_path):
    table = read(write_csv(tmp_path / "orders.csv", csv_lines([HEADER, *ROWS]), "utf-8-sig"))

    assert table.encoding == "utf-8-sig"
    assert table.frame.columns[1] == "order_id"  # not "\ufefforder_id"
    assert cells(table) == ROWS


def test_gb18030_csv_with_chinese_headers_maps_through_the_aliases(tmp_path):
    chinese = ["订单号", "物料编码", "经销商编码", "订单日期", "数量", "单价", "款式"]
    rows = [["O1", "S1", "D1", "2026-10-01", "5", "12.5", "春季新款"]]
    path = write_csv(tmp_path / "orders_cn.csv", csv_lines([chinese, *rows]), "gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really GB18030 bytes, not UTF-8

    table = read(path)

    assert table.encoding == "gb18030"
    assert table.frame.columns[1:] == chinese
    assert table.frame.row(0)[1:] == tuple(rows[0])
    mapping = HeaderMatcher().map(chinese, ORDERS)
    assert mapping.missing_required == []
    assert mapping.to_contract == dict(zip(chinese, [*HEADER, "style"], strict=True))


def test_semicolon_delimited_csv_with_decimal_commas(tmp_path):
    rows = [["O1", "S1", "D1", "01/10/2026", "5", "12,50"]]
    table = read(write_csv(tmp_path / "orders.csv", csv_lines([HEADER, *rows], ";")))

    assert table.frame.columns == [LINE, *HEADER]
    assert cells(table) == rows


def test_title_rows_above_the_header_are_skipped_and_lines_still_count_them(tmp_path):
    lines = [
        "Order export, all regions",
        "Generated on 2026-11-01",
        "",
        *csv_lines([HEADER, *ROWS]),
    ]
    table = read(write_csv(tmp_path / "orders.csv", lines))

    assert table.header_line == 4
    assert table.frame.columns == [LINE, *HEADER]
    assert cells(table) == ROWS
    assert table.frame[LINE].to_list() == [5, 6]


def test_blank_lines_are_dropped_but_keep_the_line_numbers_right(tmp_path):
    header, first, second = csv_lines([HEADER, *ROWS])
    lines = [header, first, "", ",,,,,", "", second]
    table = read(write_csv(tmp_path / "orders.csv", lines))

    assert cells(table) == ROWS
    assert table.frame[LINE].to_list() == [2, 6]


def write_xlsx(path: Path, rows_by_excel_row: dict[int, list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for excel_row, values in rows_by_excel_row.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=excel_row, column=column, value=value)
    workbook.save(path)
    return path


def test_xlsx_with_title_rows_and_date_cells_reports_excel_row_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "orders.xlsx",
        {
            1: ["Orders October 2026"],
            2: ["exported by ERP"],
            4: HEADER,
            5: ["O1", "S1", "D1", date(2026, 10, 1), 5, 12.5],
            6: ["O2", "S2", "D2", datetime(2026, 10, 2, 14, 30), 3, 4],
            8: ["O3", "S1", "D1", date(2026, 10, 3), 1, 9.99],
        },
    )
    table = read(path)

    assert table.encoding == "xlsx"
    assert table.header_line == 4
    assert table.frame.columns == [LINE, *HEADER]
    assert table.frame[LINE].to_list() == [5, 6, 8]
    assert table.frame["order_id"].to_list() == ["O1", "O2", "O3"]
    # Date cells come through as date-time text that parsing understands.
    assert table.frame["order_date"][0].startswith("2026-10-01")
    assert table.frame["order_date"][1].startswith("2026-10-02 14:30")
    assert table.frame["quantity"].to_list() == ["5", "3", "1"]
    assert table.frame["unit_price"].to_list() == ["12.5", "4", "9.99"]


def test_xlsx_starting_below_an_empty_first_row_still_reports_excel_row_numbers(tmp_path):
    # Exports often leave row 1 empty and put the title in row 2.
    path = write_xlsx(
        tmp_path / "orders.xlsx",
        {2: ["Orders October 2026"], 4: HEADER, 5: ["O1", "S1", "D1", date(2026, 10, 1), 5, 1]},
    )
    table = read(path)

    assert table.header_line == 4
    assert table.frame[LINE].to_list() == [5]


def test_parquet_with_date_and_datetime_columns(tmp_path):
    path = tmp_path / "orders.parquet"
    pl.DataFrame(
        {
            "order_id": ["O1", "O2"],
            "sku": ["S1", "S2"],
            "dealer_id": ["D1", "D2"],
            "order_date": [date(2026, 10, 1), date(2026, 10, 2)],
            "quantity": [5, 3],
            "unit_price": [12.5, 4.0],
            "exported_at": [datetime(2026, 11, 1, 8, 0), None],
        }
    ).write_parquet(path)

    table = read(path)

    assert table.encoding == "parquet"
    assert table.frame[LINE].to_list() == [1, 2]
    assert table.frame["order_date"].str.slice(0, 10).to_list() == ["2026-10-01", "2026-10-02"]
    assert table.frame["quantity"].to_list() == ["5", "3"]
    assert table.frame["exported_at"].to_list() == ["2026-11-01 08:00:00", None]


def test_parquet_with_datetime_order_dates(tmp_path):
    path = tmp_path / "orders.parquet"
    pl.DataFrame(
        {"order_id": ["O1"], "order_date": [datetime(2026, 10, 1, 9, 15)], "quantity": [2]}
    ).write_parquet(path)

    table = read(path)

    assert table.frame.row(0, named=True) == {
        LINE: 1,
        "order_id": "O1",
        "order_date": "2026-10-01 09:15:00",
        "quantity": "2",
    }


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("orders.csv", b"", "empty"),
        ("orders.csv", b" \r\n\n  \n", "empty"),
        ("orders.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" * 40, "binary"),
        ("orders.txt", b"order_id,sku\nO1,S1\n", "unsupported file type '.txt'"),
        ("orders.xlsx", b"PK\x03\x04 not really a workbook", "not a readable .xlsx"),
        ("orders.parquet", b"PAR1 not really parquet", "not a readable Parquet"),
    ],
)
def test_unusable_files_are_rejected_with_the_problem_named(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(FileRejected, match=r"expected|readable") as rejection:
        read(path)

    assert problem in str(rejection.value)


def test_unsupported_extension_lists_the_supported_ones(tmp_path):
    path = tmp_path / "orders.json"
    path.write_text("[]")

    with pytest.raises(FileRejected) as rejection:
        read(path)

    for suffix in (".csv", ".xlsx", ".parquet"):
        assert suffix in str(rejection.value)
