"""What sells: style_shift (S1 and S2 are the styles its dealers order most)."""

from __future__ import annotations

from datetime import date

import polars as pl

from dealer_warnings.config import StyleShiftSettings
from dealer_warnings.detect.styles import region_top_styles


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


def test_one_big_dealers_favourite_is_not_its_regions_best_seller():
    """Three dealers split their lines between styles A and B; one dealer ten times their
    size orders mostly X. By lines X would lead the region; each dealer counting once, A and B
    are what the region's dealers buy."""
    months = [date(2026, m, 1) for m in (1, 2, 3, 4)]
    lines = {"D1": {"X": 100, "A": 10}} | {d: {"A": 5, "B": 5} for d in ("D2", "D3", "D4")}
    style_month = pl.DataFrame(
        [
            {"dealer_id": d, "month": m, "style": s, "lines": n, "units": n}
            for d, styles in lines.items()
            for s, n in styles.items()
            for m in months
        ]
    )
    frame = pl.DataFrame(
        [{"dealer_id": d, "month": m, "region": "North"} for d in lines for m in months]
    )
    top = region_top_styles(style_month, frame, StyleShiftSettings())

    assert top.filter(pl.col("month") == months[-1])["style"].sort().to_list() == ["A", "B"]
