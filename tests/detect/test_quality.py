"""Product quality incidents: quality_spike."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect import detect_alerts


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


# --- the cluster test: incidents of one faulty batch share one SKU and one defect type -------

SPREAD = ("scratch", "crack", "colour", "missing_part", "malfunction", "finish")


def defect_mart(network, groups=None, defects=SPREAD) -> pl.DataFrame:
    """dealer_defect_month for a panel: each dealer-month's incidents on SKUs S1, S2, S3 in
    turn and on `defects` in turn (so they rarely share a pair), except the dealer-months of
    `groups` ({(dealer, month): [(sku, defect, incidents), ...]})."""
    groups = groups or {}
    rows = []
    for dealer, month, count in network.activity.select(
        "dealer_id", "month", "quality_incidents"
    ).iter_rows():
        if (dealer, month) in groups:
            rows += [(dealer, month, *group) for group in groups[(dealer, month)]]
            continue
        for i in range(count):
            rows.append(
                (dealer, month, f"S{i % 3 + 1}", defects[(i + month.month) % len(defects)], 1)
            )
    mart = pl.DataFrame(
        rows, schema=["dealer_id", "month", "sku", "defect_type", "incidents"], orient="row"
    )
    return mart.group_by("dealer_id", "month", "sku", "defect_type").agg(pl.col("incidents").sum())


def cluster_alerts(network, groups=None, defects=SPREAD) -> pl.DataFrame:
    """quality_spike alerts of the last month, the defect mart built by `defect_mart`."""
    for (dealer, month), parts in (groups or {}).items():
        network = network.set("quality_incidents", sum(p[2] for p in parts), dealer, month)
    inputs = replace(network.inputs, dealer_defect_month=defect_mart(network, groups, defects))
    found = detect_alerts(inputs, DetectSettings(), network.last, network.last)
    return found.filter(pl.col("indicator") == "quality_spike")


def test_quality_spike_fires_when_a_dealers_usual_six_incidents_are_one_defect_on_one_sku(
    panel, assert_explained
):
    # Six incidents, as usual for this dealer, so the count alone says nothing; but all six
    # are one crack on one SKU, where its incidents usually spread over SKUs and defects.
    network = panel(rates={"quality_incidents": {"D03": 6}})
    batch = {("D03", network.last): [("S2", "crack", 6)]}

    alerts = cluster_alerts(network, batch)
    assert alerts["dealer_id"].to_list() == ["D03"]
    assert_explained(
        alerts.row(0, named=True),
        f"6 of 6 quality incidents in {network.last:%b %Y} were one defect (crack) on one SKU (S2)",
    )


def test_quality_spike_fires_when_a_dealer_that_seldom_has_an_incident_has_four_of_one_batch(
    panel, assert_explained
):
    # Four cracks on S1, half of what the dealer buys: given four incidents, that they fall on
    # its main SKU is not odd enough, and four where 0.3 are expected is no clear count either.
    # But four of one defect on one SKU, in a dealer with one incident in five months, are a
    # faulty batch.
    network = panel(rates={"quality_incidents": {"D03": 0.2}})
    batch = {("D03", network.last): [("S1", "crack", 4)]}

    alerts = cluster_alerts(network, batch)
    assert alerts["dealer_id"].to_list() == ["D03"]
    assert_explained(
        alerts.row(0, named=True),
        f"4 of 4 quality incidents in {network.last:%b %Y} were one defect (crack) on one SKU "
        "(S1), where 0.3 incidents in all were expected: one faulty batch?",
    )


def test_quality_spike_is_quiet_when_a_dealer_with_two_incidents_a_month_has_four_on_one_sku(
    panel,
):
    # The same four cracks on S1, from a dealer with two incidents a month: four of its
    # incidents on its main SKU with one defect is not improbable enough to call a batch.
    network = panel(rates={"quality_incidents": {"D03": 2}})
    month = {("D03", network.last): [("S1", "crack", 4)]}

    assert cluster_alerts(network, month).height == 0


def test_quality_spike_is_quiet_when_the_usual_incidents_spread_over_skus_and_defects(panel):
    network = panel(rates={"quality_incidents": {"D03": 6}})
    assert cluster_alerts(network).height == 0


def test_quality_spike_is_quiet_when_most_incidents_are_the_common_defect_on_the_main_sku(panel):
    # Across the network most incidents are scratches, and S1 is half of what the dealer buys:
    # four of its six incidents being scratches on S1 is what chance gives (a third of its
    # incidents are expected on that pair), not a faulty batch.
    mostly_scratches = ("scratch", "scratch", "scratch", "crack")
    network = panel(rates={"quality_incidents": {"D03": 6}})
    month = {("D03", network.last): [("S1", "scratch", 4), ("S2", "crack", 1), ("S3", "colour", 1)]}

    assert cluster_alerts(network, month, mostly_scratches).height == 0


def test_quality_spike_cluster_needs_min_history_months(panel):
    network = panel(rates={"quality_incidents": {"D03": 6, "D05": 6}})
    young = network.trim("D05", DetectSettings().baseline.min_history_months)
    batch = {(dealer, network.last): [("S2", "crack", 6)] for dealer in ("D03", "D05")}

    assert cluster_alerts(young, batch)["dealer_id"].to_list() == ["D03"]
