"""The analyst views on tiny hand-made tables: alert outcomes, peer percentiles, complaint mix,
the alert drill-down."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from dealer_warnings import warehouse


def month(index: int) -> date:
    """Month 1 = January 2025, 13 = January 2026."""
    return date(2025 + (index - 1) // 12, (index - 1) % 12 + 1, 1)


@pytest.fixture
def con():
    """An empty migrated warehouse in memory."""
    connection = duckdb.connect()
    warehouse.migrate(connection)
    yield connection
    connection.close()


def add_dealer(con, dealer_id: str, region: str = "North", tier: str = "A") -> None:
    con.execute(
        "INSERT INTO valid_dealers (load_id, run_id, line, dealer_id, dealer_name, region, tier) "
        "VALUES (1, 1, 1, ?, ?, ?, ?)",
        [dealer_id, f"{dealer_id} Ltd", region, tier],
    )


def add_months(con, dealer_id: str, orders: list[int]) -> None:
    """dealer_month rows from month 1 on: `orders[i]` orders (and 10x as many units) in month i+1."""
    for index, count in enumerate(orders, start=1):
        con.execute(
            "INSERT INTO dealer_month BY NAME SELECT ? AS dealer_id, ? AS month, ? AS orders, "
            "? AS units_ordered, 0 AS complaints",
            [dealer_id, month(index), count, 10 * count],
        )


def add_alert(con, dealer_id: str, index: int, indicator: str = "order_drop") -> None:
    con.execute(
        "INSERT INTO alerts (month, dealer_id, indicator, severity, score, explanation) "
        "VALUES (?, ?, ?, 'warning', 5, 'why')",
        [month(index), dealer_id, indicator],
    )


def computed_up_to(con, index: int) -> None:
    con.execute(
        "INSERT INTO runs (run_id, kind, run_date, as_of) VALUES (1, 'backfill', ?, ?)",
        [month(index + 1), month(index)],
    )


def outcome(con, dealer_id: str, index: int, indicator: str = "order_drop") -> tuple:
    return warehouse.first_row(
        con,
        "SELECT months_followed, dormant_from, went_dormant, fired_again_next_month "
        "FROM alert_outcomes WHERE dealer_id = ? AND month = ? AND indicator = ?",
        [dealer_id, month(index), indicator],
    )


def test_a_dealer_three_months_without_orders_within_six_went_dormant(con):
    add_dealer(con, "D1")
    add_months(con, "D1", [5, 5, 5, 0, 0, 0, 3, 3, 3, 3, 3, 3])
    add_alert(con, "D1", 1)
    add_alert(con, "D1", 3)
    computed_up_to(con, 12)
    assert outcome(con, "D1", 1) == (6, month(4), True, False)
    assert outcome(con, "D1", 3) == (6, month(4), True, False)


def test_a_quiet_spell_that_ends_after_month_six_does_not_count(con):
    add_dealer(con, "D1")
    add_months(con, "D1", [5, 5, 5, 5, 5, 0, 0, 0, 3, 3])
    add_alert(con, "D1", 1)
    computed_up_to(con, 10)
    assert outcome(con, "D1", 1) == (6, None, False, False)


def test_outcomes_the_data_cannot_tell_yet_are_null(con):
    add_dealer(con, "D1")
    add_months(con, "D1", [5] * 12)
    for index in (2, 3, 11, 12):
        add_alert(con, "D1", index)
    computed_up_to(con, 12)
    assert outcome(con, "D1", 2) == (6, None, False, True)  # fired again in month 3
    assert outcome(con, "D1", 3) == (6, None, False, False)
    assert outcome(con, "D1", 11) == (1, None, None, True)
    assert outcome(con, "D1", 12) == (0, None, None, None)  # month 13 not computed yet


def test_another_indicator_next_month_is_not_firing_again(con):
    add_dealer(con, "D1")
    add_months(con, "D1", [5] * 8)
    add_alert(con, "D1", 2, "order_drop")
    add_alert(con, "D1", 3, "price_drop")
    computed_up_to(con, 8)
    assert outcome(con, "D1", 2, "order_drop")[3] is False


def test_peer_benchmarks_give_percentiles_per_region_tier_and_region(con):
    for dealer_id, tier, orders in (("D1", "A", 0), ("D2", "A", 1), ("D3", "A", 2), ("D4", "B", 6)):
        add_dealer(con, dealer_id, tier=tier)
        add_months(con, dealer_id, [orders])
    rows = con.sql(
        "SELECT tier, dealers, units_ordered_p10, units_ordered_p50, units_ordered_p90 "
        "FROM peer_benchmarks ORDER BY tier NULLS FIRST"
    ).fetchall()
    assert rows == [
        (None, 4, pytest.approx(3.0), pytest.approx(15.0), pytest.approx(48.0)),
        ("A", 3, pytest.approx(2.0), pytest.approx(10.0), pytest.approx(18.0)),
        ("B", 1, pytest.approx(60.0), pytest.approx(60.0), pytest.approx(60.0)),
    ]


def test_complaints_by_category_counts_severity_open_cases_and_share(con):
    add_dealer(con, "D1")
    complaints = [
        ("C1", "quality", "high", date(2025, 3, 2), date(2025, 3, 6)),
        ("C2", "quality", "low", date(2025, 3, 9), None),
        ("C3", "logistics", "low", date(2025, 3, 20), date(2025, 3, 22)),
    ]
    for line, (complaint_id, category, severity, opened, closed) in enumerate(complaints):
        con.execute(
            "INSERT INTO valid_complaints VALUES (1, 1, ?, ?, 'D1', ?, ?, ?, ?)",
            [line, complaint_id, opened, category, severity, closed],
        )
    rows = con.sql(
        "SELECT category, complaints, high_severity, still_open, median_days_to_close, "
        "share_of_month FROM complaints_by_category ORDER BY category"
    ).fetchall()
    assert rows == [
        ("logistics", 1, 0, 0, 2.0, pytest.approx(1 / 3)),
        ("quality", 2, 1, 1, 4.0, pytest.approx(2 / 3)),
    ]


# Drill-down: a dealer's order lines over months 1..7, the alert in month 7. (sku, style,
# units per month 1..7, unit price per month 1..7)
ORDER_LINES = [
    ("S1", "Loft", [10, 12, 8, 10, 11, 9, 2], [5.0] * 6 + [4.0]),  # fell, and got cheaper
    ("S2", "Loft", [4, 4, 4, 4, 4, 4, 4], [8.0] * 7),  # steady
    ("S3", None, [6, 0, 6, 0, 6, 0, 0], [2.0] * 6 + [2.0]),  # stopped
    ("S4", "Metro", [0, 0, 0, 0, 0, 0, 9], [0.0] * 6 + [3.0]),  # new this month
]
COMPLAINTS = {"logistics": [1, 0, 1, 0, 1, 0, 6], "quality": [2, 2, 2, 2, 2, 2, 1]}
DEFECTS = {"crack": [0, 0, 0, 0, 0, 1, 4], "stain": [1, 0, 0, 0, 0, 0, 1]}


@pytest.fixture
def drill(con):
    """The orders, complaints and quality incidents above loaded, the marts built up to month 7
    and one alert of each drilled kind in month 7."""
    add_dealer(con, "D1")
    rows = [
        (f"O{sku}{index}", sku, month(index), units, price, style)
        for sku, style, units_by_month, prices in ORDER_LINES
        for index, (units, price) in enumerate(zip(units_by_month, prices, strict=True), 1)
        if units
    ]
    for line, (order_id, sku, order_date, quantity, price, style) in enumerate(rows):
        con.execute(
            "INSERT INTO valid_orders BY NAME SELECT 1 AS load_id, 1 AS run_id, ? AS line, "
            "? AS order_id, ? AS sku, 'D1' AS dealer_id, ? AS order_date, ? AS quantity, "
            "? AS unit_price, ? AS style",
            [line, order_id, sku, order_date, quantity, price, style],
        )
    cases = [
        (category, index, n)
        for category, counts in COMPLAINTS.items()
        for index, n in enumerate(counts, 1)
    ]
    for category, index, count in cases:
        for n in range(count):
            con.execute(
                "INSERT INTO valid_complaints BY NAME SELECT 1 AS load_id, 1 AS run_id, 0 AS line, "
                "? AS complaint_id, 'D1' AS dealer_id, ? AS opened_on, ? AS category",
                [f"C{category}{index}-{n}", month(index), category],
            )
    for defect, counts in DEFECTS.items():
        for index, count in enumerate(counts, 1):
            for n in range(count):
                con.execute(
                    "INSERT INTO valid_quality BY NAME SELECT 1 AS load_id, 1 AS run_id, "
                    "0 AS line, ? AS incident_id, 'D1' AS dealer_id, ? AS reported_on, "
                    "? AS defect_type, 1 AS units_affected",
                    [f"Q{defect}{index}-{n}", month(index), defect],
                )
    warehouse.build_marts(con, month(7))
    for indicator in ("order_drop", "price_drop", "complaint_spike", "quality_spike"):
        add_alert(con, "D1", 7, indicator)
    return con


def parts(con, indicator: str, dimension: str) -> dict[str, tuple]:
    """part -> (value, baseline, contribution, share_of_change, rank) of the month-7 alert."""
    rows = con.execute(
        "SELECT part, value, baseline, contribution, share_of_change, rank FROM alert_drilldown "
        "WHERE dealer_id = 'D1' AND month = ? AND indicator = ? AND dimension = ?",
        [month(7), indicator, dimension],
    ).fetchall()
    return {part: tuple(rest) for part, *rest in rows}


def whole_change(con, measure: str) -> float:
    """dealer_month's month 7 against the mean of months 1..6."""
    return warehouse.first_row(
        con,
        f"SELECT sum({measure}) FILTER (WHERE month = ?) - avg({measure}) FILTER (WHERE month < ?) "
        "FROM dealer_month WHERE dealer_id = 'D1'",
        [month(7), month(7)],
    )[0]


@pytest.mark.parametrize(
    ("indicator", "dimension", "measure"),
    [
        ("order_drop", "sku", "units_ordered"),
        ("order_drop", "style", "units_ordered"),
        ("complaint_spike", "complaint_category", "complaints"),
        ("quality_spike", "defect_type", "quality_incidents"),
    ],
)
def test_the_parts_of_an_alert_add_up_to_the_dealers_change(drill, indicator, dimension, measure):
    found = parts(drill, indicator, dimension)
    change = whole_change(drill, measure)
    assert change != 0
    assert sum(row[2] for row in found.values()) == pytest.approx(change)
    assert sum(row[3] for row in found.values()) == pytest.approx(1.0)


def test_the_drill_down_names_what_fell_what_stopped_and_what_is_new(drill):
    by_sku = parts(drill, "order_drop", "sku")
    assert by_sku["S1"] == pytest.approx((2, 10, -8, -8 / whole_change(drill, "units_ordered"), 1))
    assert by_sku["S3"][:3] == pytest.approx((0, 3, -3))  # stopped: nothing this month
    assert by_sku["S2"][2] == pytest.approx(0)
    assert by_sku["S4"][:3] == pytest.approx((9, 0, 9))  # new: moved against the drop, ranked last
    assert by_sku["S4"][4] == 4
    by_style = parts(drill, "order_drop", "style")
    assert set(by_style) == {"Loft", "Metro", "(no style)"}
    assert by_style["Loft"][:3] == pytest.approx((6, 14, -8))
    by_category = parts(drill, "complaint_spike", "complaint_category")
    assert by_category["logistics"][:3] == pytest.approx((6, 0.5, 5.5))
    assert by_category["logistics"][4] == 1  # a spike ranks what rose most first


def test_the_price_parts_add_up_to_the_like_for_like_index(drill):
    from dealer_warnings.config import PriceDropSettings
    from dealer_warnings.detect.orders import price_index

    sku_month = drill.sql("SELECT * FROM dealer_sku_month").pl()
    index = price_index(sku_month, PriceDropSettings())
    expected = index.filter(pl.col("month") == month(7))["price_index"][0]
    found = parts(drill, "price_drop", "sku")
    assert set(found) == {"S1", "S2"}  # S4 has no earlier price, S3 no units this month
    assert found["S1"][:3] == pytest.approx((4.0, 5.0, 2 / 6 * (4 / 5 - 1)))
    assert sum(row[2] for row in found.values()) == pytest.approx(expected - 1)
    assert expected < 1
