"""Risk score and rank per dealer-month: whom to call first, and the parts of the score."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from dealer_warnings.rank import (
    OUTLIER,
    SEVERITY_WEIGHT,
    outlier_scores,
    rank_dealers,
    risk_parts,
)

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
INDICATORS = ("order_drop", "sales_drop", "complaint_spike")


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
    ).with_columns(pl.format("{} fired", "indicator").alias("explanation"))


def ranking(frame: pl.DataFrame, month: date = OCT) -> list[str]:
    return (
        rank_dealers(risk_parts(frame))
        .filter(pl.col("month") == month)
        .sort("rank")["dealer_id"]
        .to_list()
    )


def test_rank_1_is_the_highest_risk_and_scores_add_up_with_severity_weights():
    frame = alerts(
        (OCT, "D1", "order_drop", "warning", 4.0),
        (OCT, "D2", "order_drop", "critical", 6.0),
        (OCT, "D2", "complaint_spike", "warning", 3.0),
        (OCT, "D3", "sales_drop", "warning", 8.0),
    )
    ranked = rank_dealers(risk_parts(frame)).sort("rank")

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
    ranked = rank_dealers(risk_parts(frame))

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
    assert rank_dealers(risk_parts(alerts())).height == 0


def outliers(*rows: tuple[date, str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [(*row, "unusual") for row in rows],
        schema={
            "month": pl.Date,
            "dealer_id": pl.Utf8,
            "outlier_score": pl.Float64,
            "detail": pl.Utf8,
        },
        orient="row",
    )


def test_the_outlier_part_adds_to_the_score_and_can_change_the_order():
    frame = alerts(
        (OCT, "D1", "order_drop", "warning", 5.0), (OCT, "D2", "order_drop", "warning", 4.0)
    )
    unusual = outliers((OCT, "D1", 0.2), (OCT, "D2", 2.5), (OCT, "D9", 3.0))

    ranked = rank_dealers(risk_parts(frame, unusual)).sort("rank")

    assert ranked["dealer_id"].to_list() == ["D2", "D1"]  # D9 has no alert: not ranked
    assert ranked["risk_score"].to_list() == pytest.approx([6.5, 5.2])
    assert ranked["outlier_points"].to_list() == pytest.approx([2.5, 0.2])


def test_the_parts_add_up_to_the_risk_score_and_say_what_they_are():
    frame = alerts(
        (OCT, "D1", "order_drop", "critical", 6.0), (OCT, "D1", "sales_drop", "warning", 2.0)
    )
    parts = risk_parts(frame, outliers((OCT, "D1", 1.5)))

    assert parts["part"].to_list() == ["order_drop", "sales_drop", OUTLIER]  # most points first
    assert parts["points"].to_list() == pytest.approx([9.0, 2.0, 1.5])
    assert parts["detail"].to_list() == ["order_drop fired", "sales_drop fired", "unusual"]
    assert parts["points"].sum() == pytest.approx(rank_dealers(parts)["risk_score"][0])


def readings(months: list[date], dealers: int, rng: np.random.Generator) -> pl.DataFrame:
    """Scores of three indicators: small and independent, as a quiet network's are."""
    rows = [
        (month, f"D{d:02d}", indicator, float(rng.exponential(0.3)))
        for month in months
        for d in range(dealers)
        for indicator in INDICATORS
    ]
    return pl.DataFrame(
        rows,
        schema={"month": pl.Date, "dealer_id": pl.Utf8, "indicator": pl.Utf8, "score": pl.Float64},
        orient="row",
    )


def test_a_dealer_off_on_every_indicator_at_once_is_a_rare_outlier():
    months = pl.date_range(date(2025, 10, 1), OCT, "1mo", eager=True).to_list()
    quiet = readings(months, 30, np.random.default_rng(3))
    everything_off = quiet.with_columns(
        pl.when((pl.col("dealer_id") == "D07") & (pl.col("month") == OCT))
        .then(pl.lit(3.0))
        .otherwise(pl.col("score"))
        .alias("score")
    )

    scores = outlier_scores(everything_off, INDICATORS, OCT, OCT)

    assert scores.height == 30
    top = scores.sort("outlier_score", descending=True).row(0, named=True)
    assert top["dealer_id"] == "D07"
    assert top["outlier_score"] > 2  # rarer than 1 in 100 of the past year's dealer-months
    assert "order_drop 3.0" in top["detail"]


def test_the_outlier_score_ignores_later_months():
    months = pl.date_range(date(2025, 10, 1), NOV, "1mo", eager=True).to_list()
    quiet = readings(months, 30, np.random.default_rng(4))
    stormy_later = quiet.with_columns(
        pl.when(pl.col("month") == NOV).then(pl.col("score") * 10).otherwise(pl.col("score"))
    )
    before = outlier_scores(quiet.filter(pl.col("month") <= OCT), INDICATORS, OCT, OCT)
    after = outlier_scores(stormy_later, INDICATORS, OCT, OCT)
    assert before.equals(after)


def test_too_little_history_gives_no_outlier_part_yet():
    few = readings([OCT], 10, np.random.default_rng(5))
    assert outlier_scores(few, INDICATORS, OCT, OCT).height == 0


def test_scoring_only_the_alerting_dealers_gives_them_the_same_scores():
    months = pl.date_range(date(2025, 10, 1), OCT, "1mo", eager=True).to_list()
    quiet = readings(months, 30, np.random.default_rng(6))
    alerting = pl.DataFrame({"month": [OCT, OCT], "dealer_id": ["D03", "D11"]})

    every = outlier_scores(quiet, INDICATORS, OCT, OCT)
    some = outlier_scores(quiet, INDICATORS, OCT, OCT, alerting)

    assert some.equals(every.join(alerting, on=["month", "dealer_id"], how="semi"))
