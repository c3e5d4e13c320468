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
    # The second month confirms it: one month's window, 1.8 x 100 units bought, 60 sold.
    assert alert["month"] == months[-1]
    assert alert["value"] == pytest.approx(100 * 1.8, rel=0.06)
    assert alert["value"] / alert["expected"] > 2.5
    assert_explained(
        alert,
        f"Bought {alert['value']:.0f} units in {months[-1]:%b %Y} while selling ",
        "% less than its own level of ",
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


# 0.0: a dealer that stops buying and reporting, nothing to compare (no 0 / 0 alert).
@pytest.mark.parametrize("left", [0.5, 0.0])
def test_sellthrough_gap_is_quiet_when_sell_in_falls_with_sell_out(panel, left):
    network = panel()
    months = three_months(network)
    shrinking = network.order_less(left, "D03", months).sell_less(left, "D03", months)
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


def test_sellthrough_gap_fires_when_sales_fall_while_buying_goes_on(panel):
    # The stock build as it happens: sell-out fades month after month, orders keep coming.
    network = panel()
    months = network.months[-3:]
    faded = network
    for month, left in zip(months, (0.7, 0.5, 0.4), strict=True):
        faded = faded.sell_less(left, "D03", month)
    assert faded.alerts("sellthrough_gap")["dealer_id"].to_list() == ["D03"]


def test_sellthrough_gap_is_quiet_for_one_big_order_while_sales_hold(panel):
    # A project order of five months' units in one month: one lump, not a stock build, even
    # while it stays in the window and the sell-out wobbles below its level.
    network = panel()
    lump, *after = network.months[-4:]
    big = network.order_less(5.0, "D03", lump).sell_less(0.85, "D03", after)
    for month in (lump, *after):
        assert big.alerts("sellthrough_gap", month=month).height == 0


def test_sellthrough_gap_is_quiet_when_a_dealer_only_buys_more(panel):
    # Sell-in up for three months with sales as usual: a season or a promotion bought ahead;
    # stock piles up only when sales fall while the buying goes on.
    network = panel()
    assert (
        network.order_less(2.0, "D03", three_months(network)).alerts("sellthrough_gap").height == 0
    )


def test_sellthrough_gap_fires_when_the_fall_takes_sales_below_the_minimum_volume(panel):
    # A dealer that usually sells 30 units a month sells 12 while it buys on: the fall itself
    # must not make it too small to judge (the minimum volume is of its usual sales).
    network = panel().sell_less(0.3, "D03")
    months = three_months(network)
    faded = network.sell_less(0.4, "D03", months)
    assert faded.alerts("sellthrough_gap")["dealer_id"].to_list() == ["D03"]


def test_sellthrough_gap_is_quiet_for_a_dealer_too_small_to_judge(panel):
    network = panel().sell_less(0.15, "D03")
    faded = network.sell_less(0.4, "D03", three_months(network))
    assert faded.alerts("sellthrough_gap").height == 0
