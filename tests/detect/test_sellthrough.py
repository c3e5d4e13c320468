"""Stock piling up at the dealer: sellthrough_gap."""

from __future__ import annotations

import pytest


def three_months(network):
    return network.months[-3:]


def test_sellthrough_gap_fires_when_sell_in_runs_ahead_of_sell_out(panel, assert_explained):
    network = panel()
    months = three_months(network)
    stuffed = network.order_less(1.8, "D03", months).sell_less(0.6, "D03", months)
    alerts = stuffed.alerts("sellthrough_gap")

    assert alerts["dealer_id"].to_list() == ["D03"]
    alert = alerts.row(0, named=True)
    assert alert["value"] == pytest.approx(3 * 100 * 1.8, rel=0.06)  # units bought in 3 months
    assert alert["value"] / alert["expected"] > 2.5
    assert_explained(
        alert,
        f"Bought {alert['value']:.0f} units in {months[0]:%b %Y} to {months[-1]:%b %Y}",
        f"more than the {alert['expected']:.0f} its usual sell-through predicts",
    )


def test_sellthrough_gap_is_quiet_when_a_dealer_buys_and_sells_more(panel):
    network = panel()
    months = three_months(network)
    growing = network.order_less(1.5, "D03", months).sell_less(1.5, "D03", months)
    assert growing.alerts("sellthrough_gap").height == 0


def test_sellthrough_gap_is_quiet_when_a_whole_region_stocks_up_for_the_season(panel):
    network = panel(n_dealers=12, regions=("North", "South"))
    stocked = network.order_less(1.8, network.in_region("North"), three_months(network))
    assert stocked.alerts("sellthrough_gap").height == 0


def test_sellthrough_gap_is_quiet_when_sell_in_falls_with_sell_out(panel):
    network = panel()
    months = three_months(network)
    shrinking = network.order_less(0.5, "D03", months).sell_less(0.5, "D03", months)
    assert shrinking.alerts("sellthrough_gap").height == 0


def test_sellthrough_gap_needs_min_history_months(panel, alerting_with_newcomer):
    def stuff(network, dealer):
        months = three_months(network)
        return network.order_less(2.5, dealer, months).sell_less(0.5, dealer, months)

    assert alerting_with_newcomer(panel(), stuff, "sellthrough_gap") == {"D03"}


def test_sellthrough_gap_is_quiet_when_a_sell_out_report_comes_a_month_late(panel):
    network = panel()
    before, last = network.months[-2:]
    late = network.sell_less(0.0, "D03", before).sell_less(2.0, "D03", last)
    assert late.alerts("sellthrough_gap", month=before).height == 0
    assert late.alerts("sellthrough_gap").height == 0
