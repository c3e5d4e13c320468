"""Typing a batch of text rows and explaining every quarantined row."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealer_warnings.contract import SOURCES
from dealer_warnings.ingest.parse import ParsedBatch, parse_batch
from dealer_warnings.ingest.readers import LINE

RUN_DATE = date(2026, 11, 30)
KNOWN = pl.Series(["D1", "D2"])
ORDER = {
    "order_id": "O1",
    "sku": "S1",
    "dealer_id": "D1",
    "order_date": "2026-10-01",
    "quantity": "5",
    "unit_price": "12.50",
}
COMPLAINT = {
    "complaint_id": "C1",
    "dealer_id": "D1",
    "opened_on": "2026-10-01",
    "category": "quality",
}
SALE = {"dealer_id": "D1", "month": "2026-10", "revenue": "100", "units": "2"}


def batch(source: str, rows: list[dict[str, str | None]], known=KNOWN) -> ParsedBatch:
    """Rows as a reader hands them over: all text, numbered from line 2 (under the header)."""
    columns = list(dict.fromkeys(c for row in rows for c in row))
    frame = pl.DataFrame(
        {
            LINE: list(range(2, len(rows) + 2)),
            **{c: [row.get(c) for row in rows] for c in columns},
        },
        schema={LINE: pl.Int64, **dict.fromkeys(columns, pl.Utf8)},
    )
    return parse_batch(frame, SOURCES[source], RUN_DATE, known)


def one_bad(source: str, base: dict, **changes: str | None) -> dict:
    """The single quarantined row of a batch of one changed row."""
    parsed = batch(source, [{**base, **changes}])
    assert parsed.good.height == 0
    assert parsed.bad.height == 1
    return parsed.bad.row(0, named=True)


def good_values(source: str, base: dict, column: str, values: list[str]) -> list:
    """The parsed `column` of one good row per value."""
    parsed = batch(source, [{**base, column: v} for v in values])
    assert parsed.bad.height == 0, parsed.bad
    return parsed.good.sort(LINE)[column].to_list()


def test_a_clean_row_is_typed():
    parsed = batch("orders", [ORDER])

    assert parsed.bad.height == 0
    assert parsed.good.row(0, named=True) == {
        LINE: 2,
        "order_id": "O1",
        "line_no": None,
        "sku": "S1",
        "dealer_id": "D1",
        "order_date": date(2026, 10, 1),
        "quantity": 5,
        "unit_price": 12.5,
        "style": None,
    }
    assert parsed.good.schema["quantity"] == pl.Int64
    assert parsed.good.schema["order_date"] == pl.Date


@pytest.mark.parametrize(
    ("changes", "column", "value", "reason"),
    [
        ({"sku": ""}, "sku", None, "sku: required value missing"),
        ({"sku": "   "}, "sku", None, "sku: required value missing"),
        ({"quantity": "five"}, "quantity", "five", "quantity: expected a whole number"),
        ({"quantity": "1.5"}, "quantity", "1.5", "quantity: expected a whole number"),
        ({"unit_price": "cheap"}, "unit_price", "cheap", "unit_price: expected a number"),
        ({"unit_price": "-3"}, "unit_price", "-3", "unit_price: must be >= 0"),
        ({"quantity": "0"}, "quantity", "0", "quantity: must not be 0"),
        ({"order_date": "yesterday"}, "order_date", "yesterday", "order_date: expected a date"),
        ({"order_date": "2026-02-30"}, "order_date", "2026-02-30", "order_date: expected a date"),
        (
            {"order_date": "2026-12-01"},
            "order_date",
            "2026-12-01",
            "order_date: date after the run date 2026-11-30",
        ),
        (
            {"dealer_id": "D9"},
            "dealer_id",
            "D9",
            "dealer_id: unknown dealer_id (not in the dealer master data)",
        ),
    ],
)
def test_each_order_rule_quarantines_with_column_value_and_reason(changes, column, value, reason):
    bad = one_bad("orders", ORDER, **changes)

    assert bad[LINE] == 2
    assert bad["column_name"] == column
    assert bad["value"] == value
    assert bad["reason"].startswith(reason)


def test_a_row_breaking_several_rules_names_the_first_column_and_every_problem():
    bad = one_bad("orders", ORDER, sku=None, quantity="0", unit_price="-1")

    assert bad["column_name"] == "sku"
    assert bad["reason"] == (
        "sku: required value missing; quantity: must not be 0; unit_price: must be >= 0"
    )


def test_the_run_date_itself_is_allowed():
    assert good_values("orders", ORDER, "order_date", ["2026-11-30"]) == [RUN_DATE]


def test_unknown_dealers_are_not_checked_without_a_master():
    parsed = batch("orders", [{**ORDER, "dealer_id": "D9"}], known=None)
    assert parsed.good["dealer_id"].to_list() == ["D9"]


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        (
            {"category": "weather"},
            "category",
            "category: expected one of quality, logistics, packaging, service, design, other",
        ),
        ({"severity": "urgent"}, "severity", "severity: expected one of low, medium, high"),
        ({"category": None}, "category", "category: required value missing"),
    ],
)
def test_complaint_categories_outside_the_list_are_quarantined(changes, column, reason):
    bad = one_bad("complaints", COMPLAINT, **changes)

    assert bad["column_name"] == column
    assert bad["reason"] == reason


def test_category_and_severity_aliases_become_the_contract_values():
    rows = [
        {**COMPLAINT, "category": "质量", "severity": "高"},
        {**COMPLAINT, "category": "Calidad", "severity": "Alta"},
        {**COMPLAINT, "category": " QUALITY ", "severity": "medium"},
        {**COMPLAINT, "category": "物流", "severity": "低"},
        {**COMPLAINT, "category": "embalaje", "severity": None},
    ]
    parsed = batch("complaints", rows)

    assert parsed.bad.height == 0
    assert parsed.good.select("category", "severity").rows() == [
        ("quality", "high"),
        ("quality", "high"),
        ("quality", "medium"),
        ("logistics", "low"),
        ("packaging", None),
    ]


def test_date_formats_iso_slashes_day_first_and_excel_datetime_text():
    values = ["2026-10-05", "2026/10/06", "31/10/2026", "2026-10-07 00:00:00", "2026-10-08 14:30"]
    assert good_values("orders", ORDER, "order_date", values) == [
        date(2026, 10, 5),
        date(2026, 10, 6),
        date(2026, 10, 31),
        date(2026, 10, 7),
        date(2026, 10, 8),
    ]


def test_ambiguous_slashed_dates_are_read_day_first():
    assert good_values("orders", ORDER, "order_date", ["03/04/2026", "13/04/2026"]) == [
        date(2026, 4, 3),
        date(2026, 4, 13),
    ]


def test_a_us_month_first_column_is_detected_from_its_unambiguous_dates():
    values = ["10/31/2026", "03/04/2026", "11/15/2026"]
    assert good_values("orders", ORDER, "order_date", values) == [
        date(2026, 10, 31),
        date(2026, 3, 4),  # read month-first like the rest of its column
        date(2026, 11, 15),
    ]


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-10", date(2026, 10, 1)),
        ("2026/10", date(2026, 10, 1)),
        ("202610", date(2026, 10, 1)),
        ("2026-9", date(2026, 9, 1)),
        ("2026-10-17", date(2026, 10, 1)),
        ("17/10/2026", date(2026, 10, 1)),
        ("2026-10-31 00:00:00", date(2026, 10, 1)),
    ],
)
def test_month_formats(text, month):
    assert good_values("sales", SALE, "month", [text]) == [month]


def test_an_impossible_month_is_quarantined():
    bad = one_bad("sales", SALE, month="2026-13")

    assert bad["column_name"] == "month"
    assert bad["value"] == "2026-13"
    assert bad["reason"].startswith("month: expected a month")


def test_a_month_after_the_run_date_is_quarantined():
    bad = one_bad("sales", SALE, month="2026-12")
    assert bad["reason"] == "month: date after the run date 2026-11-30"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1234.5", 1234.5),
        ("1,234.50", 1234.5),
        ("1.234,50", 1234.5),
        ("1234,5", 1234.5),
        ("€3", 3.0),
        ("¥ 1,000", 1000.0),
        ("$12.99", 12.99),
        ("12 345,6", 12345.6),
    ],
)
def test_number_formats(text, number):
    assert good_values("orders", ORDER, "unit_price", [text]) == [pytest.approx(number)]


def test_whole_numbers_accept_thousands_separators_and_negative_return_lines():
    assert good_values("orders", ORDER, "quantity", ["1,200", "-2", " 7 ", "3.0"]) == [
        1200,
        -2,
        7,
        3,
    ]


@pytest.mark.parametrize("text", ["99999999999999999999", "1E100"])
def test_a_whole_number_too_large_for_the_column_is_quarantined_not_a_crash(text):
    # e.g. a 20-digit tracking number shifted into the quantity column of one row
    parsed = batch("orders", [ORDER, {**ORDER, "quantity": text}])

    assert parsed.good[LINE].to_list() == [2]
    assert parsed.bad.select(LINE, "column_name", "value").rows() == [(3, "quantity", text)]


def test_not_finite_numbers_are_quarantined():
    for text in ("NaN", "inf"):
        assert one_bad("orders", ORDER, unit_price=text)["reason"] == (
            "unit_price: expected a number"
        )


cell = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "0", "-1", "1.5", "3", "1,234.50", "abc", "D1", "D9"]),
    st.sampled_from(["2026-10-01", "2027-01-01", "31/10/2026", "10/31/2026", "2026-13-01"]),
    st.text(max_size=6),
)
order_rows = st.lists(st.fixed_dictionaries(dict.fromkeys(ORDER, cell)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_rows)
def test_every_row_lands_in_exactly_one_of_good_or_bad(rows):
    parsed = batch("orders", rows)

    good, bad = parsed.good[LINE].to_list(), parsed.bad[LINE].to_list()
    assert sorted(good + bad) == list(range(2, len(rows) + 2))
    assert bad == [] or all(parsed.bad["reason"].str.len_chars() > 0)
    assert parsed.bad["column_name"].null_count() == 0
    # A good row has every required value.
    required = SOURCES["orders"].required_columns
    assert parsed.good.select(required).null_count().sum_horizontal().item() == 0
