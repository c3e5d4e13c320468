"""Risk score and rank per dealer-month: whom to call first."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dealer_warnings.rank import SEVERITY_WEIGHT, rank_dealers

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def alerts(*rows: tuple[date, str, str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "month": pl.Date,
            "dealer_id": pl.Utf8,
            "indicator": pl.Utf8,
            "severity": pl.Utf8,
            "score": pl.Float64,
        },
        orient="row",
    )


def ranking(frame: pl.DataFrame, month: date = OCT) -> list[str]:
    return rank_dealers(frame).filter(pl.col("month") == month).sort("rank")["dealer_id"].to_list()


def test_rank_1_is_the_highest_risk_and_scores_add_up_with_severity_weights():
    ranked = rank_dealers(
        alerts(
            (OCT, "D1", "order_drop", "warning", 4.0),
            (OCT, "D2", "order_drop", "critical", 6.0),
            (OCT, "D2", "complaint_spike", "warning", 3.0),
            (OCT, "D3", "sales_drop", "warning", 8.0),
        )
    ).sort("rank")

    assert ranked["dealer_id"].to_list() == ["D2", "D3", "D1"]
    assert ranked["rank"].to_list() == [1, 2, 3]
    assert ranked["risk_score"].to_list() == pytest.approx(
        [6.0 * SEVERITY_WEIGHT["critical"] + 3.0, 8.0, 4.0]
    )
    assert ranked["alerts"].to_list() == [2, 1, 1]
    assert ranked["reasons"][0] == "order_drop, complaint_spike"  # worst first


def test_a_critical_alert_outranks_a_slightly_higher_scored_warning():
    frame = alerts(
        (OCT, "D1", "order_drop", "warning", 7.0),
        (OCT, "D2", "price_drop", "critical", 6.0),
    )
    assert ranking(frame) == ["D2", "D1"]


def test_ranks_run_from_1_to_n_within_each_month():
    frame = alerts(
        *[(OCT, f"D{i}", "order_drop", "warning", float(i)) for i in range(1, 6)],
        *[(NOV, f"D{i}", "sales_drop", "warning", float(10 - i)) for i in range(1, 4)],
    )
    ranked = rank_dealers(frame)

    by_month = ranked.group_by("month").agg(pl.col("rank").sort()).sort("month")
    assert by_month["rank"].to_list() == [[1, 2, 3, 4, 5], [1, 2, 3]]
    assert ranking(frame, OCT) == ["D5", "D4", "D3", "D2", "D1"]
    assert ranking(frame, NOV) == ["D1", "D2", "D3"]
    assert ranked.schema["rank"] == pl.Int32


def test_ties_are_broken_by_dealer_id_whatever_the_input_order():
    rows = [
        (OCT, "D3", "order_drop", "warning", 5.0),
        (OCT, "D1", "complaint_spike", "warning", 5.0),
        (OCT, "D2", "quality_spike", "warning", 5.0),
        (OCT, "D0", "sales_drop", "warning", 9.0),
    ]
    expected = ["D0", "D1", "D2", "D3"]

    assert ranking(alerts(*rows)) == expected
    assert ranking(alerts(*reversed(rows))) == expected
    assert ranking(alerts(*rows).sample(fraction=1.0, shuffle=True, seed=3)) == expected


def test_no_alerts_no_ranks():
    assert rank_dealers(alerts()).height == 0
