"""Logistics, packaging and design complaints rising: category_spike."""

from __future__ import annotations

import pytest


def test_category_spike_fires_when_one_kind_of_complaint_jumps(panel, assert_explained):
    network = panel()
    alerts = network.set("logistics", 10, "D03", network.last).alerts("category_spike")

    assert alerts["dealer_id"].to_list() == ["D03"]
    alert = alerts.row(0, named=True)
    assert alert["value"] == 10
    assert alert["baseline"] == pytest.approx(1, abs=0.3)
    assert_explained(
        alert,
        f"10 logistics complaints in {network.last:%b %Y}",
        f"the {alert['expected']:.2f} expected from its usual {alert['baseline']:.2f} a month",
    )


def test_category_spike_is_quiet_when_a_carrier_strike_hits_every_dealer(panel):
    network = panel(n_dealers=12, regions=("North", "South"))
    strike = network.scale("logistics", 5, network.in_region("North"), network.last)
    assert strike.alerts("category_spike").height == 0


def test_category_spike_is_quiet_when_a_big_dealers_usual_30_become_36(panel):
    network = panel(rates={"packaging": {"D00": 30}})
    assert network.set("packaging", 36, "D00", network.last).alerts("category_spike").height == 0


def test_category_spike_catches_a_problem_that_lasts_two_months(panel):
    # Ten a month for two months against about one: a month alone or both together.
    network = panel()
    months = network.months[-2:]
    alerts = network.set("design", 10, "D03", months).alerts("category_spike")
    assert alerts["dealer_id"].to_list() == ["D03"]
    assert "design complaints" in alerts["explanation"][0]


def test_category_spike_needs_min_history_months(panel, alerting_with_newcomer):
    def jump(network, dealer):
        return network.set("packaging", 15, dealer, network.last)

    assert alerting_with_newcomer(panel(), jump, "category_spike") == {"D03"}
