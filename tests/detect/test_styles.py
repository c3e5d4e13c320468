"""What sells: style_shift (S1 and S2 are the network's best-selling styles by units)."""

from __future__ import annotations


def two_months(network):
    return network.months[-2:]


def switch_away_from_best_sellers(network, dealers, months):
    """Orders of the two best-selling styles almost stop; the third style takes their place."""
    network = network.scale("units", 0.05, dealers, months, skus=["S1", "S2"])
    return network.scale("units", 4.0, dealers, months, skus="S3")


def test_style_shift_fires_when_the_regions_best_sellers_collapse(panel, assert_explained):
    network = panel()
    months = two_months(network)
    alerts = switch_away_from_best_sellers(network, "D03", months).alerts("style_shift")

    assert alerts["dealer_id"].to_list() == ["D03"]
    alert = alerts.row(0, named=True)
    assert alert["baseline"] > 0.7  # S1 and S2 make 16 of its 20 lines a month
    assert alert["value"] < 0.1
    assert_explained(
        alert,
        "North's best-selling styles (style-S1, style-S2)",
        f"{months[0]:%b %Y} to {months[-1]:%b %Y}",
        f"usual {round(alert['baseline'] * 100)}%",
    )


def test_style_shift_is_quiet_when_a_dealer_orders_less_of_everything(panel):
    network = panel()
    assert network.order_less(0.5, "D03", two_months(network)).alerts("style_shift").height == 0


def test_style_shift_is_quiet_when_the_whole_region_moves_on(panel):
    network = panel()
    moved = switch_away_from_best_sellers(network, None, two_months(network))
    assert moved.alerts("style_shift").height == 0


def test_style_shift_needs_min_history_months(panel, alerting_with_newcomer):
    def switch(network, dealer):
        return switch_away_from_best_sellers(network, dealer, two_months(network))

    assert alerting_with_newcomer(panel(), switch, "style_shift") == {"D03"}
