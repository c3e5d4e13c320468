"""End-customer complaints: complaint_spike."""

from __future__ import annotations

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
