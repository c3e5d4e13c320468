"""Telling the total rows exports append from data rows."""

from __future__ import annotations

import polars as pl
import pytest

from dealer_warnings.contract import SOURCES
from dealer_warnings.ingest.readers import LINE
from dealer_warnings.ingest.totals import total_rows

ORDERS = SOURCES["orders"]
HEADER = ["order_id", "sku", "dealer_id", "order_date", "quantity", "unit_price"]


def totals_of(*rows: list[str | None]) -> list[int]:
    frame = pl.DataFrame(
        [[line, *row] for line, row in enumerate(rows, start=2)],
        schema={LINE: pl.Int64, **dict.fromkeys(HEADER, pl.Utf8)},
        orient="row",
    )
    return total_rows(frame, frame, ORDERS)[LINE].to_list()


GOOD = ["O1", "S1", "D1", "2026-10-01", "5", "10"]
OTHER = ["O2", "S2", "D1", "2026-10-02", "2", "20"]


@pytest.mark.parametrize(
    "label",
    [
        "合计",
        "总计：",  # noqa: RUF001 (a full-width colon, as Chinese exports write it)
        "小计(元)",
        "Total",
        "TOTAL:",
        "Totales",
        "Sub-total North",
        "Sum",
    ],
)
def test_a_row_whose_first_cell_is_a_total_label_is_a_total(label):
    assert totals_of(GOOD, OTHER, [label, None, None, None, "7", None]) == [4]


@pytest.mark.parametrize("first", ["Totally", "Summer-01", "SUM-100", "O3"])
def test_an_id_that_only_starts_like_a_label_is_data(first):
    assert totals_of(GOOD, [first, "S1", "D1", "2026-10-01", "1", "1"]) == []


def test_a_label_after_a_key_is_data_not_a_total():
    assert totals_of(GOOD, ["O3", "Total kit", "D1", "2026-10-01", "1", "1"]) == []


def test_a_trailing_keyless_row_is_a_total_only_when_it_sums_the_rows_above():
    assert totals_of(GOOD, OTHER, [None, None, None, None, "7", "30"]) == [4]
    assert totals_of(GOOD, OTHER, [None, None, None, None, "8", None]) == []
    # Not trailing: a keyless row in the middle is data with a missing key.
    assert totals_of(GOOD, [None, None, None, None, "5", None], OTHER) == []
