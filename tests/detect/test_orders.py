"""Sell-in indicators: order_drop and price_drop."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect import detect_alerts


def test_a_steady_network_raises_no_alert_in_any_month(panel):
    network = panel(n_dealers=8, n_months=24)
    alerts = detect_alerts(network.inputs, DetectSettings(), network.months[0], network.last)
    assert alerts.height == 0


@pytest.mark.parametrize(("factor", "severity"), [(0.5, "warning"), (0.15, "critical")])
def test_order_drop_fires_for_the_dealer_that_orders_much_less(
    panel, assert_explained, factor, severity
):
    # Two months in a row: the second month confirms the fall (a late order would not).
    network = panel()
    first, last = network.months[-2:]
    alerts = network.order_less(factor, "D03", [first, last]).alerts("order_drop")

    assert alerts["dealer_id"].to_list() == ["D03"]
    alert = alerts.row(0, named=True)
    assert alert["severity"] == severity
    assert alert["month"] == last
    assert alert["value"] == pytest.approx(200 * factor, rel=0.1)
    assert alert["expected"] == pytest.approx(200, rel=0.1)
    assert alert["score"] > 0
    assert_explained(
        alert,
        f"Ordered {alert['value']:.0f} units",
        f"{first:%b %Y} to {last:%b %Y}",
        f"{round(alert['expected'])}",
        f"{round(alert['baseline'])}",
        f"{round((1 - alert['value'] / alert['expected']) * 100)}% below",
        "North / A",
    )


def test_order_drop_waits_for_a_second_month_before_calling_a_fall(panel):
    network = panel()
    assert network.order_less(0.3, "D03", network.last).alerts("order_drop").height == 0


def test_order_drop_is_quiet_when_a_late_order_arrives_the_month_after(panel):
    network = panel()
    before, last = network.months[-2:]
    late = network.order_less(0.1, "D03", before).order_less(1.9, "D03", last)

    assert late.alerts("order_drop", month=before).height == 0
    assert late.alerts("order_drop").height == 0


def test_order_drop_fires_when_orders_shrink_though_the_dealer_still_orders_as_often(panel):
    # Destocking: 60 orders a month as always, but each a fraction of its usual size.
    network = panel(orders=60)
    alerts = network.scale("units", 0.25, "D03", network.months[-2:]).alerts("order_drop")

    assert alerts.select("dealer_id", "severity").rows() == [("D03", "critical")]


def test_order_drop_is_quiet_when_the_whole_region_dips_together(panel):
    network = panel(n_dealers=12, regions=("North", "South"))
    north, months = network.in_region("North"), network.months[-2:]
    dipped = network.order_less(0.5, north, months)

    assert dipped.alerts("order_drop").height == 0
    # The same dip on one dealer alone is an alert: the region is what explains it away.
    alone = network.order_less(0.5, north[0], months)
    assert alone.alerts("order_drop")["dealer_id"].to_list() == [north[0]]


def test_order_drop_is_quiet_for_a_dealer_that_stopped_long_ago(panel):
    # Told while its fall was in the window; a year of nothing after nothing is old news.
    network = panel()
    stopped = network.order_less(0.0, "D03", network.months[-13:])
    told = stopped.alerts("order_drop", month=network.months[-12])
    assert told["dealer_id"].to_list() == ["D03"]
    assert stopped.alerts("order_drop").height == 0


def test_order_drop_needs_min_history_months(panel, alerting_with_newcomer):
    def crash(network, dealer):
        return network.order_less(0.1, dealer, network.months[-2:])

    assert alerting_with_newcomer(panel(), crash, "order_drop") == {"D03"}


@pytest.mark.parametrize(("factor", "severity"), [(0.84, "warning"), (0.6, "critical")])
def test_price_drop_fires_when_the_dealer_pays_less_for_the_same_skus(
    panel, assert_explained, factor, severity
):
    network = panel()
    alerts = network.scale("price", factor, "D03", network.last).alerts("price_drop")

    assert alerts["dealer_id"].to_list() == ["D03"]
    alert = alerts.row(0, named=True)
    assert alert["severity"] == severity
    assert alert["value"] == pytest.approx(factor, abs=0.02)  # the like-for-like index
    change = alert["value"] / alert["expected"] - 1
    assert_explained(
        alert,
        f"Paid {round(-change * 100)}% less per unit",
        network.last.strftime("%b %Y"),
        "same 3 SKU(s)",
        f"index {round(alert['value'], 2)}",
    )


def test_price_drop_is_quiet_when_a_dealer_only_shifts_to_cheaper_skus(panel):
    network = panel()
    shifted = network.scale("units", 0.1, "D03", network.last, skus="S3").scale(
        "units", 1.8, "D03", network.last, skus="S1"
    )
    month = shifted.dealer_month.filter(pl.col("dealer_id") == "D03")["avg_unit_price"]
    assert month[-1] < 0.75 * month[-2]  # the average price per unit really fell

    assert shifted.alerts("price_drop").height == 0


def test_price_drop_is_quiet_on_a_manufacturer_wide_price_cut(panel):
    network = panel()
    assert network.scale("price", 0.85, None, network.last).alerts("price_drop").height == 0
    assert network.scale("price", 0.6, None, network.last).alerts("price_drop").height == 0


def test_price_drop_needs_min_history_months(panel, alerting_with_newcomer):
    def cut(network, dealer):
        return network.scale("price", 0.6, dealer, network.last)

    assert alerting_with_newcomer(panel(), cut, "price_drop") == {"D03"}


def test_order_drop_is_quiet_once_a_dealer_has_bought_nothing_for_dormant_months(panel):
    # Stopped five months ago: told while it stopped; the 6-month window still holds its last
    # purchases, but a dealer told of and silent for `dormant_months` months is old news.
    network = panel()
    stopped = network.order_less(0.0, "D03", network.months[-5:])
    told = stopped.alerts("order_drop", month=network.months[-4])
    assert told["dealer_id"].to_list() == ["D03"]
    dormant_months = DetectSettings().order_drop.dormant_months
    for month in network.months[-5 + dormant_months - 1 :]:
        assert stopped.alerts("order_drop", month=month).height == 0, month


def test_order_drop_ignores_float_noise_of_a_dealer_that_bought_nothing(panel):
    # Sums added in another order leave 1e-12 where nothing was bought: still nothing.
    network = panel()
    stopped = network.order_less(0.0, "D03", network.months[-13:])
    inputs = stopped.inputs
    noisy = inputs.dealer_month.with_columns(
        pl.when((pl.col("dealer_id") == "D03") & (pl.col("units_ordered") == 0))
        .then(pl.lit(1e-12))
        .otherwise(pl.col("units_ordered").cast(pl.Float64))
        .alias("units_ordered")
    )
    clean = detect_alerts(inputs, DetectSettings(), network.months[-12], network.last)
    jittered = detect_alerts(
        replace(inputs, dealer_month=noisy), DetectSettings(), network.months[-12], network.last
    )
    assert (
        jittered.filter(pl.col("indicator") == "order_drop").select("month", "dealer_id").rows()
        == clean.filter(pl.col("indicator") == "order_drop").select("month", "dealer_id").rows()
    )
