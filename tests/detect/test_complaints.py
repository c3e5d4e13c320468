"""End-customer complaints: complaint_spike."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest


@pytest.fixture
def case(spike_case):
    return spike_case("complaints", "complaint_spike", "complaints")


def test_complaint_spike_is_quiet_when_a_big_dealers_usual_300_become_330(case):
    assert case.alerts_when("D00", 330).height == 0


def test_complaint_spike_fires_when_a_small_dealer_goes_from_about_1_to_9(case):
    alerts = case.alerts_when("D03", 9)

    assert alerts["dealer_id"].to_list() == ["D03"]
    alert = alerts.row(0, named=True)
    assert alert["value"] == 9
    assert alert["baseline"] == pytest.approx(1, abs=0.3)
    case.explained(alert)


@pytest.mark.parametrize(("count", "severity"), [(9, "warning"), (15, "critical")])
def test_complaint_spike_severity_follows_how_improbable_the_count_is(case, count, severity):
    alerts = case.alerts_when("D03", count)
    assert alerts.select("dealer_id", "severity").rows() == [("D03", severity)]


@pytest.mark.parametrize("count", [3, 4])
def test_complaint_spike_needs_min_count_and_improbability(case, count):
    assert case.alerts_when("D03", count).height == 0


def test_complaint_spike_is_quiet_when_the_whole_peer_group_doubles(case):
    network = case.network
    assert network.scale("complaints", 2, None, network.last).alerts(case.indicator).height == 0


def test_complaint_spike_needs_min_history_months(case, alerting_with_newcomer):
    def wave(network, dealer):
        return network.set("complaints", 15, dealer, network.last)

    assert alerting_with_newcomer(case.network, wave, case.indicator) == {"D03"}


def test_complaint_spike_verdict_ignores_later_months(case):
    network = case.network
    month = network.months[-4]
    spiked = network.set(case.column, 9, "D03", month)
    # Later months are stormy elsewhere: D05 and D06 swing far more than before.
    later = network.months[-3:]
    stormy = spiked.set(case.column, 40, "D05", later).set(case.column, 0, "D06", later)

    then = spiked.until(month).alerts(case.indicator, month=month)
    afterwards = stormy.alerts(case.indicator, month=month)

    assert then["dealer_id"].to_list() == ["D03"]
    assert afterwards.to_dicts() == then.to_dicts()


def busy_network(panel):
    """Every dealer's orders swing from month to month and its complaints follow them (about
    one per 20 orders): complaints come with deliveries."""
    network = panel(orders=20)
    dealer = pl.col("dealer_id").str.slice(1).cast(pl.Int64)
    swing = (pl.int_range(pl.len()).over("dealer_id") * 7 + dealer) % 5
    orders = (20 * (0.5 + 0.4 * swing)).round(0).cast(pl.Int64)
    return replace(
        network,
        activity=network.activity.with_columns(
            orders.alias("orders"), (orders * 0.25).round(0).cast(pl.Int64).alias("complaints")
        ),
    )


def test_complaint_spike_is_quiet_for_a_busy_month_where_complaints_follow_orders(panel):
    network = busy_network(panel)
    last = network.last
    # Twelve times its usual orders, and the complaints that come with them.
    busier = network.set("orders", 240, "D03", last).set("complaints", 60, "D03", last)
    assert busier.alerts("complaint_spike").height == 0


def test_complaint_spike_fires_where_complaints_follow_orders_but_not_this_time(panel):
    network = busy_network(panel)
    usual_orders = network.activity.filter(
        (pl.col("dealer_id") == "D03") & (pl.col("month") == network.last)
    )["orders"][0]
    spiked = network.set("complaints", usual_orders, "D03", network.last)  # 4x its usual share
    assert spiked.alerts("complaint_spike")["dealer_id"].to_list() == ["D03"]


def test_complaint_spike_of_one_peer_does_not_hide_anothers(case):
    network = case.network.set("complaints", 12, ["D03", "D05"], case.network.last)
    assert network.alerts("complaint_spike")["dealer_id"].to_list() == ["D03", "D05"]


def test_complaint_spike_is_quiet_when_a_dealers_complaints_rise_with_its_orders(panel):
    # In a network where complaints do not follow orders, D03 orders 4x its usual in the last
    # month and gets 4x its complaints: a surge against its monthly rate, not against its
    # orders. The count must be odd both ways; with its usual orders the same count alerts.
    network = panel(orders=20, complaints=3)
    last = network.last
    busier = network.scale("orders", 4, "D03", last).scale("complaints", 4, "D03", last)
    usual_orders = network.scale("complaints", 4, "D03", last)

    assert "D03" not in busier.alerts("complaint_spike")["dealer_id"].to_list()
    assert usual_orders.alerts("complaint_spike")["dealer_id"].to_list() == ["D03"]


def test_complaint_spike_is_quiet_when_a_dealer_with_few_orders_so_far_gets_busy(panel):
    # D03 has ordered twice a month and never had a complaint; the network gets one
    # complaint per 20 orders. Now it orders 100 times in a month and gets 6 complaints:
    # what the network's rate gives for 100 orders, not a surge. Its own history alone (no
    # complaint ever) would make any complaint improbable.
    network = panel(orders=20, rates={"orders": {"D03": 2}, "complaints": {"D03": 0}})
    last = network.last
    busy = network.set("orders", 100, "D03", last).set("complaints", 6, "D03", last)
    quiet_month = network.set("complaints", 6, "D03", last)

    assert "D03" not in busy.alerts("complaint_spike")["dealer_id"].to_list()
    assert quiet_month.alerts("complaint_spike")["dealer_id"].to_list() == ["D03"]


def test_complaint_spike_reads_peers_with_a_case_a_year_at_their_usual_rate(panel):
    # Twelve peers get one complaint a year each, each in its own month: every month one of
    # them gets its case, as usual. Without its largest month each one's usual rate is 0, and
    # summed so, that one case would read as the peers' complaints jumping (+50%) and raise
    # D12's expectation with them; against their plain yearly rates the peers did not move.
    network = panel(n_dealers=13, complaints=0, rates={"complaints": {"D12": 2}})
    for peer in range(12):
        its_month = [m for k, m in enumerate(network.months) if k % 12 == peer]
        network = network.set("complaints", 1, f"D{peer:02d}", its_month)

    alerts = network.set("complaints", 9, "D12", network.last).alerts("complaint_spike")

    assert alerts["dealer_id"].to_list() == ["D12"]
    assert alerts["peer_change"].to_list() == [pytest.approx(0)]
