"""What sells: style_shift (S1 and S2 are the styles its dealers order most)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from dealer_warnings.config import StyleShiftSettings
from dealer_warnings.detect.styles import line_spread, region_top_styles


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


def test_style_shift_fires_when_a_quiet_dealer_keeps_away_from_them_for_three_months(panel):
    """D03 orders about 11 lines a month, 9 of them in the best sellers; for three months it
    orders 40% of those and more of the third style. No month or two of so few lines tells
    that apart from chance; three months in a row do."""
    network = panel().scale("units", 0.55, "D03")
    months = network.months[-3:]
    switched = network.scale("units", 0.4, "D03", months, skus=["S1", "S2"]).scale(
        "units", 3.4, "D03", months, skus="S3"
    )

    alerts = switched.alerts("style_shift")

    assert alerts["dealer_id"].to_list() == ["D03"]
    assert f"{months[0]:%b %Y} to {months[-1]:%b %Y}" in alerts["explanation"][0]


def with_big_dealers_whose_mix_swings(network):
    """D00 and D01 order a hundred times the others' lines, and every other month their
    best sellers make 71% of their lines instead of 80%: a swing that 2,000 lines a month
    show clearly and that 20 lines could not."""
    big = ["D00", "D01"]
    network = network.scale("units", 100.0, big)
    return network.scale("units", 0.6, big, network.months[1::2], skus=["S1", "S2"])


def test_style_shift_fires_for_a_small_dealer_among_big_ones_whose_mix_swings(panel):
    """The big dealers' swings say how much a mix moves beyond chance in 2,000 lines; a
    dealer of 15 lines, whose best sellers fell from 80% to 20% of them, is judged by its
    own few lines, not by a spread that only big ones show."""
    network = with_big_dealers_whose_mix_swings(panel())
    last = network.last
    switched = network.scale("units", 0.2, "D03", last, skus=["S1", "S2"]).scale(
        "units", 3.0, "D03", last, skus="S3"
    )

    assert switched.alerts("style_shift")["dealer_id"].to_list() == ["D03"]


def test_style_shift_is_quiet_when_every_dealer_has_such_a_month_now_and_then(panel):
    """Every dealer (60 lines a month) has one month a year, each its own, in which it orders
    little of the best sellers: 5 of 17 lines instead of 48 of 60. Judged as a plain binomial,
    the last dealer's such month is a collapse; the spread measured on all of them says this
    is how these dealers' orders come."""
    network = panel().scale("units", 3.0)
    for number, dealer in enumerate(network.dealer_ids):
        months = network.months[-1 - number :: -12][:2]
        network = network.scale("units", 0.1, dealer, months, skus=["S1", "S2"])

    assert network.alerts("style_shift").height == 0


MONTHS = [date(2026, m, 1) for m in (1, 2, 3, 4)]


def top_styles_last_month(lines: dict[str, dict[str, int]], top_styles: int = 2) -> list[str]:
    """The North region's best sellers in the last of MONTHS, its dealers ordering `lines`
    (dealer -> style -> lines) in every month before."""
    style_month = pl.DataFrame(
        [
            {"dealer_id": d, "month": m, "style": s, "lines": n, "units": n}
            for d, styles in lines.items()
            for s, n in styles.items()
            for m in MONTHS
        ]
    )
    frame = pl.DataFrame(
        [{"dealer_id": d, "month": m, "region": "North"} for d in lines for m in MONTHS]
    )
    top = region_top_styles(style_month, frame, StyleShiftSettings(top_styles=top_styles))
    return top.filter(pl.col("month") == MONTHS[-1])["style"].to_list()


def test_one_big_dealers_favourite_is_not_its_regions_best_seller():
    """Three dealers split their lines between styles A and B; one dealer ten times their
    size orders mostly X. By lines X would lead the region; each dealer counting once, A and B
    are what the region's dealers buy."""
    lines = {"D1": {"X": 100, "A": 10}} | {d: {"A": 5, "B": 5} for d in ("D2", "D3", "D4")}

    assert sorted(top_styles_last_month(lines)) == ["A", "B"]


def test_styles_tied_exactly_are_ranked_by_name_in_a_big_region():
    """4,000 dealers in pairs: one orders p lines of A and q of B, the other q of A and p of
    B, so A and B tie exactly. Summed as floats, in whatever order the threads take, their
    totals (about 1,500) differ in the last digits and the tie tips either way."""
    rng = np.random.default_rng(0)
    rows = []
    for pair, (p, q) in enumerate(rng.integers(10, 50, (2000, 2)).tolist()):
        for dealer, (a, b) in ((f"D{2 * pair}", (p, q)), (f"D{2 * pair + 1}", (q, p))):
            rows += [
                (dealer, m, style, n)
                for m in MONTHS
                for style, n in zip("ABC", (a, b, 1), strict=True)
            ]
    style_month = pl.DataFrame(
        rows, schema=["dealer_id", "month", "style", "lines"], orient="row"
    ).with_columns(pl.col("lines").alias("units"))
    frame = style_month.select("dealer_id", "month").unique().with_columns(region=pl.lit("N"))
    top = region_top_styles(style_month, frame, StyleShiftSettings(top_styles=1))

    assert top.filter(pl.col("month") == MONTHS[-1])["style"].to_list() == ["A"]


def judged_months(rows: list[tuple[date, int, int, float]]) -> pl.DataFrame:
    """Judged dealer-months as `line_spread` reads them: (month, lines, lines in the top
    styles, expected share), each dealer with 240 usual lines."""
    return pl.DataFrame(
        rows, schema=["month", "lines", "top_lines", "expected_share"], orient="row"
    ).with_columns(usual=pl.lit(240), judged=pl.lit(True))


def test_line_spread_ignores_a_month_whose_peers_all_dropped_the_styles():
    """A peer group that dropped its best sellers expects a share of 0: no binomial to
    compare with, and no NaN to carry into every later month's spread."""
    steady = [(m, 30, 15 + (i % 3), 0.5) for i, m in enumerate(MONTHS) for _ in range(4)]
    spread = line_spread(judged_months([*steady, (MONTHS[1], 20, 0, 0.0)]))

    assert spread["clump"].is_finite().all() and spread["drift"].is_finite().all()


def test_line_spread_of_a_month_whose_only_dealer_month_is_left_out():
    """The only dealer-month judged in the second month is far off: the second pass leaves it
    out, and the month keeps the spread measured so far rather than none (a plain binomial)."""
    ordinary = [(MONTHS[0], 40, n, 0.6) for n in (20, 24, 27, 22, 25) * 4]
    spread = line_spread(judged_months([*ordinary, (MONTHS[1], 40, 1, 0.6)])).sort("month")

    assert spread["month"].to_list() == MONTHS[:2]
    assert spread["clump"][1] == spread["clump"][0]
