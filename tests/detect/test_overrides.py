"""Thresholds per region or tier (detect.overrides), validated when the settings load."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dealer_warnings.config import DetectSettings


def halved(network):
    dealers = [network.in_region("North")[0], network.in_region("South")[0]]
    return network.order_less(0.5, dealers, network.months[-2:])


def test_a_region_with_a_stricter_min_drop_stays_quiet_where_others_alert(panel):
    network = panel(n_dealers=12, regions=("North", "South"))
    settings = DetectSettings(overrides=[{"region": "North", "order_drop": {"min_drop": 0.6}}])

    alerting = halved(network).alerts("order_drop", settings)["dealer_id"].to_list()

    assert alerting == [network.in_region("South")[0]]
    assert halved(network).alerts("order_drop").height == 2  # without the override both alert


def test_an_override_for_a_tier_applies_to_that_tier_only():
    settings = DetectSettings(overrides=[{"tier": "C", "sales_drop": {"min_baseline": 100}}])
    assert settings.for_group("North", "C").sales_drop.min_baseline == 100
    assert settings.for_group("North", "A").sales_drop.min_baseline == 500
    assert settings.for_group("North", "C").order_drop == settings.order_drop


def test_later_overrides_win():
    settings = DetectSettings(
        overrides=[
            {"region": "North", "order_drop": {"min_drop": 0.5}},
            {"region": "North", "tier": "A", "order_drop": {"min_drop": 0.6}},
        ]
    )
    assert settings.for_group("North", "A").order_drop.min_drop == 0.6
    assert settings.for_group("North", "B").order_drop.min_drop == 0.5


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"region": "North", "order_drop": {"min_dorp": 0.5}}, "min_dorp"),
        ({"region": "North", "order_drop": {"min_drop": 2}}, "min_drop"),
        ({"region": "North", "orders_drop": {"min_drop": 0.5}}, "orders_drop"),
    ],
)
def test_a_wrong_override_fails_at_start_up_naming_it(override, named):
    with pytest.raises(ValidationError, match=named):
        DetectSettings(overrides=[override])
