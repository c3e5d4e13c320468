"""The monthly health grade per dealer, from its orders and alerts (hand-made tables)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dealer_warnings.config import HealthSettings
from dealer_warnings.health import grade_health

MONTHS = pl.date_range(date(2025, 1, 1), date(2026, 6, 1), "1mo", eager=True).to_list()
LAST = MONTHS[-1]


def history(orders: list[int], units_per_order: int = 10) -> pl.DataFrame:
    """One dealer's months, `orders` ending in the last month (earlier months: 5 orders)."""
    counts = [5] * (len(MONTHS) - len(orders)) + orders
    return pl.DataFrame(
        {
            "dealer_id": "D1",
            "month": MONTHS,
            "orders": counts,
            "units_ordered": [n * units_per_order for n in counts],
        }
    )


def alerts(*rows: tuple[date, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [("D1", month, indicator) for month, indicator in rows],
        schema={"dealer_id": pl.Utf8, "month": pl.Date, "indicator": pl.Utf8},
        orient="row",
    )


def grade(dealer_month: pl.DataFrame, fired: pl.DataFrame | None = None) -> dict:
    fired = alerts() if fired is None else fired
    graded = grade_health(dealer_month, fired, HealthSettings(), LAST, LAST)
    return graded.row(0, named=True)


def test_three_months_without_an_order_is_dormant():
    row = grade(history([5, 0, 0, 0]))
    assert (row["grade"], row["months_without_orders"]) == ("dormant", 3)
    assert row["reason"] == "No order for 3 months."


def test_a_drop_alert_in_the_last_three_months_is_declining_and_says_so():
    row = grade(history([5, 5, 5]), alerts((MONTHS[-2], "order_drop")))
    assert row["grade"] == "declining"
    assert row["reason"].startswith("Alerts in the last 3 months: order_drop; units ordered in")


def test_units_well_below_a_year_before_are_declining_without_an_alert():
    row = grade(history([3, 3, 3]))
    assert row["grade"] == "declining"
    assert row["change_on_year"] == pytest.approx(-0.4)


def test_another_alert_is_at_risk():
    row = grade(history([5, 5, 5]), alerts((LAST, "complaint_spike")))
    assert (row["grade"], row["recent_alerts"]) == ("at risk", "complaint_spike")


def test_an_alert_older_than_three_months_no_longer_counts():
    row = grade(history([5, 5, 5]), alerts((MONTHS[-4], "complaint_spike")))
    assert row["grade"] == "stable"
    assert row["reason"] == "Units ordered in Apr 2026 to Jun 2026 0% on a year before, no alerts."


def test_well_above_a_year_before_is_growing():
    row = grade(history([7, 7, 7]))
    assert row["grade"] == "growing"
    assert "+40% on a year before" in row["reason"]


def test_a_dealer_without_a_year_of_history_is_new():
    recent = history([5, 5, 5]).filter(pl.col("month") >= MONTHS[-6])
    assert grade(recent)["grade"] == "new"


def test_no_units_a_year_before_is_nothing_to_compare_with_not_an_infinite_change():
    row = grade(history([0, 0, 0] + [5] * 12))
    assert row["change_on_year"] is None


def test_a_dealer_ordering_again_after_idle_months_a_year_ago_is_growing_not_new():
    row = grade(history([0, 0, 0] + [5] * 12))  # 18 months of history, idle 15-13 months ago
    assert row["grade"] == "growing"
    assert row["reason"].startswith("Units ordered in ")
    assert "150, none in the same months a year before, no alerts." in row["reason"]
