"""Product quality incidents: quality_spike."""

from __future__ import annotations

import polars as pl
import pytest


@pytest.fixture
def case(spike_case):
    return spike_case("quality_incidents", "quality_spike", "quality incidents")


def test_quality_spike_is_quiet_when_a_big_dealers_usual_300_become_330(case):
    assert case.alerts_when("D00", 330).height == 0


def test_quality_spike_fires_when_a_small_dealer_goes_from_about_1_to_9(case):
    alerts = case.alerts_when("D03", 9)

    assert alerts["dealer_id"].to_list() == ["D03"]
    case.explained(alerts.row(0, named=True))


def test_quality_spike_fires_for_a_big_dealer_on_a_jump_far_beyond_its_usual_swing(case):
    assert case.alerts_when("D00", 700)["dealer_id"].to_list() == ["D00"]


@pytest.mark.parametrize(("count", "alerts"), [(4, 0), (5, 1)])
def test_a_dealer_that_never_has_any_is_still_expected_to_have_some(case, count, alerts):
    # Never an incident still means 0.3 a month may come: 4 at once are 1 in 4,000 (not
    # improbable enough at the default 1e-4), 5 are 1 in 60,000.
    network = case.network.set(case.column, 0, "D03")
    found = network.set(case.column, count, "D03", network.last).alerts(case.indicator)

    assert found.filter(pl.col("dealer_id") == "D03").height == alerts
    assert set(found["severity"]) <= {"warning"}


def test_quality_spike_needs_min_history_months(case, alerting_with_newcomer):
    def cluster(network, dealer):
        return network.set(case.column, 15, dealer, network.last)

    assert alerting_with_newcomer(case.network, cluster, case.indicator) == {"D03"}
