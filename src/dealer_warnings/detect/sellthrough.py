"""Sell-in running ahead of sell-out (`sellthrough_gap`): the dealer keeps buying while it
sells less, so stock piles up (channel stuffing, or a dealer about to stop and dump stock).

Over each of `windows` months, the units it bought are compared with what its sales predict: the units
it sold out x its usual sell-in per unit sold (over `usual_months` before the window) x how
that ratio moved for its peers (a region stocking up for the season moves everybody). Judged
like a drop test, the other way: against the dealer's own noise and as a lumpy count.
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
    quasi_poisson_tail,
    readings,
    share,
    strongest_window,
    t_tail,
    with_noise,
)


def gap_signal(
    frame: pl.DataFrame, settings: SellthroughSettings, baseline: BaselineSettings, window: int
) -> pl.DataFrame:
    """Columns `bought`, `sold`, `usual_ratio`, `peer_gap`, `expected_bought` and `p` (already
    covering every window tried) for one window of months."""
    usual = settings.usual_months
    bought, sold = pl.col("units_ordered").cast(pl.Float64), pl.col("sales_units").cast(pl.Float64)
    lumps = pl.col("order_units_sq").cast(pl.Float64)

    def before_window(expr: pl.Expr) -> pl.Expr:
        return expr.shift(window).rolling_sum(usual, min_samples=usual // 2).over("dealer_id")

    eligible = pl.col("history") >= settings.history_needed(baseline) + window - 1
    f = frame.with_columns(
        bought.rolling_sum(window).over("dealer_id").alias("bought"),
        sold.rolling_sum(window).over("dealer_id").alias("sold"),
        pl.when(eligible)
        .then((before_window(bought) + 1) / (before_window(sold) + 1))
        .alias("usual_ratio"),
        (before_window(lumps) / before_window(bought)).alias("spread"),
    ).with_columns(
        ((pl.col("bought") + 1) / ((pl.col("sold") + 1) * pl.col("usual_ratio"))).alias("own_gap")
    )
    f = f.with_columns(peer_median(pl.col("own_gap")).fill_null(1.0).alias("peer_gap"))
    f = f.with_columns((pl.col("own_gap") / pl.col("peer_gap")).log().alias("residual"))
    f = with_noise(f, "residual", baseline, "gap", gap=window)
    f = f.with_columns(
        (pl.col("sold") * pl.col("usual_ratio") * pl.col("peer_gap")).alias("expected_bought")
    )
    z = (f["residual"] / f["gap_noise"]).to_numpy()
    level_p = t_tail(z, numpy_column(f, "gap_dof"), settings.direction)
    count_p = quasi_poisson_tail(
        numpy_column(f, "bought"),
        numpy_column(f, "expected_bought"),
        numpy_column(f, "spread"),
        settings.direction,
    )
    p = np.minimum(1.0, np.maximum(level_p, count_p) * len(settings.windows))
    return f.with_columns(
        pl.when(pl.col("usual_ratio").is_not_null())
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
    keep += ["expected_bought", "p", "candidate", "period"]
    per_window = [
        gap_signal(frame, own, settings.baseline, window)
        .with_columns(
            persistent(
                (pl.col("sold") >= own.min_units * window)
                & is_bad_change(change, own.min_gap, own.direction),
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
            "Bought {} units in {} while selling {}: {} {} than the {} its usual sell-through "
            "predicts (peers in {} {}).",
            number(pl.col("bought")),
            pl.col("period"),
            number(pl.col("sold")),
            share(change),
            less_or_more(change),
            number(pl.col("expected_bought")),
            pl.col("peer_group"),
            percent(pl.col("peer_gap") - 1),
        ),
    )
