"""Sell-out indicator: sales_drop."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("factor", "severity"), [(0.5, "warning"), (0.2, "critical")])
def test_sales_drop_fires_when_sell_out_falls(panel, assert_explained, factor, severity):
    network = panel()
    first, last = network.months[-2:]
    alerts = network.sell_less(factor, "D03", [first, last]).alerts("sales_drop")

    assert alerts["dealer_id"].to_list() == ["D03"]
    alert = alerts.row(0, named=True)
    assert alert["severity"] == severity
    assert alert["value"] == pytest.approx(20_000 * factor, rel=0.06)
    assert alert["baseline"] == pytest.approx(20_000, rel=0.05)
    assert_explained(
        alert,
        f"Reported sell-out of {round(alert['value'])}",
        f"{first:%b %Y} to {last:%b %Y}",
        f"expected {round(alert['expected'])}",
        f"{round(alert['baseline'])}",
    )


def test_sales_drop_is_quiet_when_the_whole_region_sells_less(panel):
    network = panel(n_dealers=12, regions=("North", "South"))
    seasonal = network.sell_less(0.5, network.in_region("South"), network.months[-2:])
    assert seasonal.alerts("sales_drop").height == 0


def test_sales_drop_is_quiet_on_a_mild_dip(panel):
    network = panel()
    assert network.sell_less(0.8, "D03", network.months[-2:]).alerts("sales_drop").height == 0


def test_sales_drop_is_quiet_when_a_sell_out_report_comes_a_month_late(panel):
    network = panel()
    before, last = network.months[-2:]
    late = network.sell_less(0.0, "D03", before).sell_less(2.0, "D03", last)

    assert late.alerts("sales_drop", month=before).height == 0
    assert late.alerts("sales_drop").height == 0


def test_sales_drop_needs_min_history_months(panel, alerting_with_newcomer):
    def halve(network, dealer):
        return network.sell_less(0.3, dealer, network.months[-2:])

    assert alerting_with_newcomer(panel(), halve, "sales_drop") == {"D03"}


def test_sales_drop_verdict_ignores_later_months(panel):
    network = panel()
    month = network.months[-4]
    dropped = network.sell_less(0.4, "D03", network.months[-5:-3])
    later = network.months[-3:]
    stormy = dropped.sell_less(0.2, "D03", later).sell_less(3.0, ["D05", "D06"], later)

    then = dropped.until(month).alerts("sales_drop", month=month)
    afterwards = stormy.alerts("sales_drop", month=month)

    assert then["dealer_id"].to_list() == ["D03"]
    assert afterwards.to_dicts() == then.to_dicts()
