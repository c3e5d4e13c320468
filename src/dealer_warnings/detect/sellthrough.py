"""Sell-in running ahead of sell-out (`sellthrough_gap`): the dealer keeps buying while it
sells less, so stock piles up (channel stuffing, or a dealer about to stop and dump stock).

What is judged is the sell-out's fall: over each of `windows` months, the units the dealer sold
out against its own level before the window (`usual_months`) and its peers' change that window
(a season moves everybody), as a t-test against the dealer's own sell-out noise. Reported
sell-out is smooth, so a real fall is clear within a month or two; the sell-in is lumpy, so a
probability on it would take many months to tell. The sell-in only has to show that it did not
follow: the units bought are at least `min_gap` above what the sales predict (the units sold
out x the dealer's usual sell-in per unit sold before the window x how that ratio moved for its
peers), and the sales are at least `min_sellout_drop` below their level, in each of
`persistence` months in a row (a sell-out report that comes a month late falls for one month).
A window of 3 months counts its sell-in without its largest month (scaled back to the window):
one project order or a delivery pulled forward is one lump, not a habit.

A dealer that only buys more (a season, a promotion bought ahead) sells as usual: no alert. A
dealer that buys less as it sells less: no gap.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from dealer_warnings.config import BaselineSettings, DetectSettings, SellthroughSettings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.signals import (
    is_bad_change,
    less_or_more,
    number,
    numpy_column,
    peer_median,
    percent,
    period_label,
    persistent,
    readings,
    settle,
    share,
    strongest_window,
    t_tail,
    with_noise,
)

TRIM_FROM_WINDOW = 3  # windows of this many months drop their largest month of sell-in


def gap_signal(
    frame: pl.DataFrame, settings: SellthroughSettings, baseline: BaselineSettings, window: int
) -> pl.DataFrame:
    """Columns `bought`, `sold`, `usual_ratio`, `peer_gap`, `expected_bought`, `expected_sold`
    and `p` (the sell-out's fall, already covering every window tried) for one window."""
    usual = settings.usual_months
    bought, sold = pl.col("units_ordered").cast(pl.Float64), pl.col("sales_units").cast(pl.Float64)

    def before_window(expr: pl.Expr) -> pl.Expr:
        return expr.shift(window).rolling_sum(usual, min_samples=usual // 2).over("dealer_id")

    def months_before(expr: pl.Expr) -> pl.Expr:
        present = expr.is_not_null().cast(pl.Float64)
        return present.shift(window).rolling_sum(usual, min_samples=usual // 2).over("dealer_id")

    # The window's sell-in without its largest month (scaled back): one lump is not a habit.
    bought_sum = bought.rolling_sum(window).over("dealer_id")
    if window >= TRIM_FROM_WINDOW:
        largest = bought.rolling_max(window).over("dealer_id")
        bought_sum = (bought_sum - largest) * window / (window - 1)
    eligible = pl.col("history") >= settings.history_needed(baseline) + window - 1
    f = frame.with_columns(
        settle(bought_sum).alias("bought"),
        settle(sold.rolling_sum(window).over("dealer_id")).alias("sold"),
        pl.when(eligible)
        .then((before_window(bought) + 1) / (before_window(sold) + 1))
        .alias("usual_ratio"),
        (before_window(sold) / months_before(sold) * window).alias("sold_level"),
    ).with_columns(
        ((pl.col("bought") + 1) / ((pl.col("sold") + 1) * pl.col("usual_ratio"))).alias("own_gap"),
        ((pl.col("sold") + 1) / (pl.col("sold_level") + 1)).alias("sold_ratio"),
    )
    f = f.with_columns(
        peer_median(pl.col("own_gap")).fill_null(1.0).alias("peer_gap"),
        peer_median(pl.col("sold_ratio")).fill_null(1.0).alias("peer_sold"),
    )
    f = f.with_columns(
        (pl.col("sold") * pl.col("usual_ratio") * pl.col("peer_gap")).alias("expected_bought"),
        ((pl.col("sold_level") + 1) * pl.col("peer_sold") - 1).alias("expected_sold"),
        (pl.col("sold_ratio") / pl.col("peer_sold")).log().alias("sold_residual"),
    )
    f = with_noise(f, "sold_residual", baseline, "sold", gap=window)
    z = (f["sold_residual"] / f["sold_noise"]).to_numpy()
    # The sell-out's fall, Bonferroni over the windows tried.
    p = np.minimum(1.0, t_tail(z, numpy_column(f, "sold_dof"), "down") * len(settings.windows))
    return f.with_columns(
        pl.when(pl.col("usual_ratio").is_not_null() & pl.col("sold_level").is_not_null())
        .then(pl.Series("p", p))
        .fill_nan(None)
        .alias("p")
    )


def sellthrough_gap(
    frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings
) -> pl.DataFrame:
    own = settings.sellthrough_gap
    change = pl.col("bought") / pl.col("expected_bought") - 1
    keep = ["month", "dealer_id", "peer_group", "bought", "sold", "usual_ratio", "peer_gap"]
    keep += ["expected_bought", "expected_sold", "p", "candidate", "period"]
    sold_change = pl.col("sold") / pl.col("expected_sold") - 1
    per_window = [
        gap_signal(frame, own, settings.baseline, window)
        .with_columns(
            persistent(
                (pl.col("expected_sold") >= own.min_units * window)
                & (pl.col("sold") > 0)  # nothing reported sold: no sell-through to compare
                & is_bad_change(change, own.min_gap, own.direction)
                & (sold_change <= -own.min_sellout_drop),
                own.persistence,
            ).alias("candidate"),
            period_label(window).alias("period"),
        )
        .select(keep)
        for window in own.windows
    ]
    chosen = strongest_window(per_window, "p", own.p_warning)
    return readings(
        chosen,
        "sellthrough_gap",
        own,
        value=pl.col("bought"),
        expected=pl.col("expected_bought"),
        baseline=pl.col("sold") * pl.col("usual_ratio"),
        peer_change=pl.col("peer_gap") - 1,
        p_value=pl.col("p"),
        fired=pl.col("candidate"),
        critical=is_bad_change(change, own.critical_gap, own.direction),
        explanation=pl.format(
            "Bought {} units in {} while selling {}, {} {} than its own level of {}: {} {} "
            "than the {} its usual sell-through predicts (peers in {} {}).",
            number(pl.col("bought")),
            pl.col("period"),
            number(pl.col("sold")),
            share(sold_change),
            less_or_more(sold_change),
            number(pl.col("expected_sold")),
            share(change),
            less_or_more(change),
            number(pl.col("expected_bought")),
            pl.col("peer_group"),
            percent(pl.col("peer_gap") - 1),
        ),
    )
