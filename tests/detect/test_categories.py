"""Logistics, packaging and design complaints rising: category_spike."""

from __future__ import annotations

import polars as pl
import pytest

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect import detect_readings


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


def test_category_spike_tells_a_one_month_burst_once(panel):
    # Twenty design complaints in one month against about one: that month alerts. The month
    # after is usual again; its two-month window still holds the burst, but tells nothing new.
    network = panel()
    burst, after = network.months[-2:]
    hit = network.set("design", 20, "D03", burst)

    assert hit.alerts("category_spike", month=burst)["dealer_id"].to_list() == ["D03"]
    assert hit.alerts("category_spike", month=after).height == 0
    # Not because the two months together look usual: they are as improbable as an alert.
    settings = DetectSettings()
    reading = detect_readings(hit.inputs, settings, ["category_spike"]).filter(
        (pl.col("dealer_id") == "D03") & (pl.col("month") == after)
    )
    assert f"in {burst:%b %Y} to {after:%b %Y}" in reading["explanation"][0]
    assert reading["p_value"][0] <= settings.category_spike.p_warning
    assert not reading["fired"][0]


def test_category_spike_needs_min_history_months(panel, alerting_with_newcomer):
    def jump(network, dealer):
        return network.set("packaging", 15, dealer, network.last)

    assert alerting_with_newcomer(panel(), jump, "category_spike") == {"D03"}


def test_logistics_and_packaging_together_fire_where_neither_alone_does(panel, assert_explained):
    # One delivery problem, split over two categories and two months: 5 logistics and 3
    # packaging complaints a month against about one each. Neither category alone is
    # improbable enough; their sum, watched as a category of its own, is.
    network = panel(n_dealers=12).set("packaging", 1)
    months = network.months[-2:]
    hit = network.set("logistics", 5, "D03", months).set("packaging", 3, "D03", months)

    alerts = hit.alerts("category_spike")
    assert alerts["dealer_id"].to_list() == ["D03"]
    assert_explained(
        alerts.row(0, named=True),
        f"16 logistics and packaging complaints in {months[0]:%b %Y} to {months[1]:%b %Y}",
    )
    apart = DetectSettings(category_spike={"combined": {}})
    assert hit.alerts("category_spike", apart).height == 0


def test_logistics_and_packaging_together_are_quiet_when_a_whole_region_gets_them(panel):
    # A carrier failing a whole region: every dealer there gets the same rise, so the peers'
    # change explains it.
    network = panel(n_dealers=12, regions=("North", "South")).set("packaging", 1)
    north, months = network.in_region("North"), network.months[-2:]
    strike = network.set("logistics", 5, north, months).set("packaging", 3, north, months)

    assert strike.alerts("category_spike").height == 0


def test_category_spike_fires_when_one_kind_takes_over_a_dealers_complaints(
    panel, assert_explained
):
    # A big dealer's complaints are a third each logistics, packaging and design (30 a month
    # each). One month, 50 of its 60 are logistics: 50 against 30 is no doubling of the count,
    # but 83% of its complaints against its usual third is far out of its usual share.
    network = panel(rates={kind: {"D00": 30} for kind in ("logistics", "packaging", "design")})
    month = network.last
    hit = network.set("logistics", 50, "D00", month)
    hit = hit.set("packaging", 5, "D00", month).set("design", 5, "D00", month)

    alerts = hit.alerts("category_spike")
    assert alerts["dealer_id"].to_list() == ["D00"]
    assert_explained(
        alerts.row(0, named=True),
        f"In {month:%b %Y}, 50 of its 60 complaints were logistics complaints (83%)",
        "from its usual 33%",
    )


def test_category_spike_is_quiet_when_the_other_kinds_of_complaint_fall_away(panel):
    # The same dealer's logistics complaints stay at their usual 30 while packaging and design
    # fall to 3: logistics are now 83% of its complaints, but no more of them came in.
    network = panel(rates={kind: {"D00": 30} for kind in ("logistics", "packaging", "design")})
    month = network.last
    calm = network.set("packaging", 3, "D00", month).set("design", 3, "D00", month)
    assert calm.alerts("category_spike").height == 0
