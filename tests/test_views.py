"""The analyst views on tiny hand-made tables: alert outcomes, peer percentiles, complaint mix."""

from __future__ import annotations

from datetime import date

import duckdb
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
