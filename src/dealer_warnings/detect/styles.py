"""What sells (`style_shift`): a dealer's orders of the styles that sell best in its region
collapse while it keeps ordering others (it now buys those designs elsewhere).

The region's best sellers are its `top_styles` styles by its dealers' monthly shares of order
lines over the `region_months` months before the month judged (each dealer-month counts once). The
dealer's share of order lines in them over the last `windows` months is compared with its own
usual share (the `usual_months` before the window) x how that share moved for its peers (a
region whose taste moves on moves everybody). Its lines in them are judged as a binomial count
with extra spread measured on the data: lines come in orders of several lines of a style, and
a dealer's mix drifts from month to month, which only many lines show.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import polars as pl

from dealer_warnings.config import DetectSettings, StyleShiftSettings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.signals import (
    TRIM_P,
    is_bad_change,
    numpy_column,
    peer_median,
    percent,
    period_label,
    quasi_binomial_tail,
    readings,
    share,
    strongest_window,
)

MAX_SHARE = 0.99  # an expected share is never quite all of the lines
SHARE_UNITS = 10**9  # a dealer-month's share of its lines, in whole billionths


def region_top_styles(
    style_month: pl.DataFrame, frame: pl.DataFrame, settings: StyleShiftSettings
) -> pl.DataFrame:
    """Per region and month: its `top_styles` best-selling styles over the `region_months`
    months before, ranked by its dealers' monthly shares of their order lines summed: every
    dealer-month with orders counts once, so one big dealer's taste (or one project's order)
    does not make a style the region's best seller, and a dealer is compared with what its
    typical peer buys. Shares are summed as whole billionths, exact in whatever order threads
    add them up, so the same data ranks the same way every run and a tie goes to the style
    name."""
    month_share = pl.col("lines") / pl.col("lines").sum().over("dealer_id", "month")
    month_share = (month_share * SHARE_UNITS).round().cast(pl.Int64)
    per_month = (
        style_month.lazy()
        .filter(pl.col("lines") > 0)
        .select("dealer_id", "month", "style", month_share.alias("share"))
        .join(frame.lazy().select("dealer_id", "month", "region"), on=["dealer_id", "month"])
        .group_by("region", "style", "month")
        .agg(pl.col("share").sum())
    )
    region_months = frame.lazy().select("region", "month").unique()
    recent = pl.col("share").shift(1).rolling_sum(settings.region_months, min_samples=1)
    return (
        per_month.select("region", "style")
        .unique()
        .join(region_months, on="region")
        .join(per_month, on=["region", "style", "month"], how="left")
        .with_columns(pl.col("share").fill_null(0))
        .sort("region", "style", "month")
        .with_columns(recent.over("region", "style").alias("shares"))
        .filter(pl.col("shares") > 0)
        .sort("region", "month", "shares", "style", descending=[False, False, True, False])
        .filter(pl.int_range(pl.len()).over("region", "month") < settings.top_styles)
        .select("region", "month", "style")
        .collect()
    )


class MonthlyLines(NamedTuple):
    """Every month of each dealer, 0 lines where it ordered none, in month order per series
    (the window sums count months, not rows): its order lines in each style that is ever
    among its region's best sellers, and in all styles."""

    per_style: pl.DataFrame  # dealer_id, style, month, lines
    totals: pl.DataFrame  # dealer_id, month, lines


def monthly_style_lines(
    style_month: pl.DataFrame, frame: pl.DataFrame, top_styles: pl.DataFrame
) -> MonthlyLines:
    """The same for every window tried: built once."""
    lines = style_month.select("dealer_id", "month", "style", "lines")
    # Only the styles that are ever among its region's best sellers: each (dealer, style) is
    # its own series, and the others would never be summed.
    watched = (
        lines.select("dealer_id", "style")
        .unique()
        .join(frame.select("dealer_id", "region").unique(), on="dealer_id")
        .join(top_styles.select("region", "style").unique(), on=["region", "style"], how="semi")
        .select("dealer_id", "style")
    )
    per_style = (
        watched.join(frame.select("dealer_id", "month"), on="dealer_id")
        .join(lines, on=["dealer_id", "style", "month"], how="left")
        .with_columns(pl.col("lines").fill_null(0))
        .sort("dealer_id", "style", "month")
    )
    totals = (
        frame.select("dealer_id", "month")
        .join(lines.group_by("dealer_id", "month").agg(pl.col("lines").sum()), on=["dealer_id", "month"], how="left")
        .with_columns(pl.col("lines").fill_null(0))
        .sort("dealer_id", "month")
    )  # fmt: skip
    return MonthlyLines(per_style, totals)


def lines_in_top_styles(
    monthly: MonthlyLines,
    frame: pl.DataFrame,
    top_styles: pl.DataFrame,
    settings: StyleShiftSettings,
    window: int,
) -> pl.DataFrame:
    """Per dealer-month: order lines in its region's best sellers and in all styles, over the
    window (`top_lines`, `lines`) and over the usual months before it (`usual_top`, `usual`)."""
    usual = settings.usual_months

    def sums(expr: pl.Expr, *by: str) -> list[pl.Expr]:
        return [
            expr.rolling_sum(window, min_samples=1).over(*by).alias("in_window"),
            expr.shift(window).rolling_sum(usual, min_samples=1).over(*by).alias("before"),
        ]

    named = top_styles.group_by("region", "month").agg(
        pl.col("style").sort().str.join(", ").alias("top_styles")
    )
    top = (
        frame.select("dealer_id", "month", "region")
        .join(top_styles, on=["region", "month"])
        .join(
            monthly.per_style.with_columns(sums(pl.col("lines"), "dealer_id", "style")),
            on=["dealer_id", "month", "style"],
            how="left",
        )
        .group_by("dealer_id", "month", "region")
        .agg(
            pl.col("in_window").fill_null(0).sum().alias("top_lines"),
            pl.col("before").fill_null(0).sum().alias("usual_top"),
        )
        .join(named, on=["region", "month"])
        .drop("region")
    )
    in_all = monthly.totals.with_columns(sums(pl.col("lines"), "dealer_id")).select(
        "dealer_id", "month", pl.col("in_window").alias("lines"), pl.col("before").alias("usual")
    )
    return in_all.join(top, on=["dealer_id", "month"], how="left")


def line_spread(frame: pl.DataFrame) -> pl.DataFrame:
    """Per month, how much more than a binomial a dealer's lines in the top styles spread, by
    moments over the judged dealer-months up to it, in two parts: `clump` (>= 1), lines that
    come in orders of several lines of one style, which widens small counts and big ones
    alike; and `drift`, the month-to-month swing of a dealer's mix, which 200 lines show and
    20 lines hide in their noise (see `dispersion`). Measured twice, the second time without
    the dealer-months the first finds improbable (p < TRIM_P), so the switches being looked
    for do not widen what counts as normal (a month left with none keeps the first)."""
    months = frame.select("month").unique()
    # An expected share of 0 (every peer dropped those styles) has no binomial spread to scale.
    judged = frame.filter(pl.col("judged") & (pl.col("expected_share") > 0))
    first = fitted_spread(judged, months)
    with_first = judged.join(first, on="month", how="left", maintain_order="left").with_columns(
        dispersion()
    )
    p = quasi_binomial_tail(
        numpy_column(with_first, "top_lines"),
        numpy_column(with_first, "lines"),
        numpy_column(with_first, "expected_share"),
        numpy_column(with_first, "dispersion"),
        "both",
    )
    ordinary = judged.filter(pl.Series(np.nan_to_num(p, nan=1.0) >= TRIM_P))
    return (
        fitted_spread(ordinary, months)
        .join(first, on="month", suffix="_first")
        .select(
            "month",
            pl.coalesce("clump", "clump_first").alias("clump"),
            pl.coalesce("drift", "drift_first").alias("drift"),
        )
    )


def dispersion() -> pl.Expr:
    """A dealer-month's variance of lines in the top styles over the binomial's: clump x
    (1 + lines / usual lines, as the usual share is an estimate too) + (lines - 1) x drift."""
    n = pl.col("lines")
    spread = pl.col("clump") * (1 + n / pl.col("usual")) + (n - 1) * pl.col("drift")
    return spread.alias("dispersion")


def fitted_spread(rows: pl.DataFrame, months: pl.DataFrame) -> pl.DataFrame:
    """`clump` and `drift` for each of `months` (null before any of `rows`): the least squares
    fit y = clump x a + drift x b of the Pearson residuals y of `rows` up to that month, on
    `dispersion`'s two terms a = 1 + lines / usual lines and b = lines - 1, within clump >= 1
    and drift >= 0."""
    n, k, p = pl.col("lines"), pl.col("top_lines"), pl.col("expected_share")
    y = (k - n * p) ** 2 / (n * p * (1 - p))
    a, b = 1 + n / pl.col("usual"), n - 1
    terms = {"aa": a * a, "ab": a * b, "bb": b * b, "ay": a * y, "by": b * y}
    aa, ab, bb, ay, by = (pl.col(name).cum_sum() for name in terms)
    # The normal equations' determinant; near 0 when every row so far had the same lines.
    det = aa * bb - ab * ab
    solvable = det > 1e-9 * aa * bb
    drift = pl.when(solvable).then(((aa * by - ab * ay) / det).clip(lower_bound=0.0))
    # No drift (none measurable, or it came out below 0): the clump alone fits.
    clump = pl.when(drift > 0).then((ay * bb - by * ab) / det).otherwise(ay / aa)
    # A clump below 1 (less spread than a binomial) is not believed: 1, and the drift refitted.
    drift_at_one = pl.when(bb > 0).then(((by - ab) / bb).clip(lower_bound=0.0)).otherwise(0.0)
    per_month = rows.group_by("month").agg(
        *(expr.sum().alias(name) for name, expr in terms.items())
    )
    return (
        months.join(per_month, on="month", how="left")
        .fill_null(0.0)
        .sort("month")
        .select(
            "month",
            pl.when(aa == 0).then(None).when(clump < 1).then(1.0).otherwise(clump).alias("clump"),
            pl.when(aa == 0)
            .then(None)
            .when(clump < 1)
            .then(drift_at_one)
            .otherwise(drift.fill_null(0.0))
            .alias("drift"),
        )
    )


def share_signal(
    frame: pl.DataFrame,
    monthly: MonthlyLines,
    top_styles: pl.DataFrame,
    settings: DetectSettings,
    window: int,
) -> pl.DataFrame:
    """Columns `top_share`, `usual_share`, `peer_ratio`, `expected_share` and `p` (covering
    every window tried) for one window of months."""
    own = settings.style_shift
    eligible = pl.col("history") >= own.history_needed(settings.baseline) + window - 1
    judged = (
        eligible
        & (pl.col("lines") >= own.min_lines * window)
        & (pl.col("usual") >= own.min_lines * own.usual_months / 2)
        & (pl.col("usual_share") >= own.min_share)
    )
    lines = lines_in_top_styles(monthly, frame, top_styles, own, window)
    f = (
        frame.join(lines, on=["dealer_id", "month"], how="left")
        .with_columns(
            (pl.col("top_lines") / pl.col("lines")).alias("top_share"),
            (pl.col("usual_top") / pl.col("usual")).alias("usual_share"),
        )
        .with_columns(judged.fill_null(False).alias("judged"))
        .with_columns((pl.col("top_share") / pl.col("usual_share")).alias("own_ratio"))
        .with_columns(
            peer_median(pl.col("own_ratio").filter(pl.col("judged")))
            .fill_null(1.0)
            .alias("peer_ratio")
        )
        .with_columns(
            (pl.col("usual_share") * pl.col("peer_ratio"))
            .clip(upper_bound=MAX_SHARE)
            .alias("expected_share")
        )
    )
    f = f.join(line_spread(f), on="month", how="left").with_columns(dispersion())
    p = quasi_binomial_tail(
        numpy_column(f, "top_lines"),
        numpy_column(f, "lines"),
        numpy_column(f, "expected_share"),
        numpy_column(f, "dispersion"),
        own.direction,
    )
    p = np.minimum(1.0, p * len(own.windows))
    return f.with_columns(pl.when(pl.col("judged")).then(pl.Series("p", p)).alias("p"))


def style_shift(frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings) -> pl.DataFrame:
    own = settings.style_shift
    top_styles = region_top_styles(inputs.dealer_style_month, frame, own)
    monthly = monthly_style_lines(inputs.dealer_style_month, frame, top_styles)
    change = pl.col("top_share") / pl.col("expected_share") - 1
    keep = ["month", "dealer_id", "peer_group", "region", "top_styles", "top_lines", "lines"]
    keep += ["top_share", "usual_share", "peer_ratio", "expected_share", "p"]
    per_window = [
        share_signal(frame, monthly, top_styles, settings, window)
        .with_columns(
            is_bad_change(change, own.min_drop, own.direction).alias("candidate"),
            period_label(window).alias("period"),
        )
        .select(*keep, "candidate", "period")
        for window in own.windows
    ]
    chosen = strongest_window(per_window, "p", own.p_warning)
    return readings(
        chosen,
        "style_shift",
        own,
        value=pl.col("top_share"),
        expected=pl.col("expected_share"),
        baseline=pl.col("usual_share"),
        peer_change=pl.col("peer_ratio") - 1,
        p_value=pl.col("p"),
        fired=pl.col("candidate"),
        critical=is_bad_change(change, own.critical_drop, own.direction),
        explanation=pl.format(
            "{} of its {} order lines in {} were in {}'s best-selling styles ({}): {}, against "
            "the {} expected from its usual {} and its peers (who moved {}).",
            pl.col("top_lines"),
            pl.col("lines"),
            pl.col("period"),
            pl.col("region"),
            pl.col("top_styles"),
            share(pl.col("top_share")),
            share(pl.col("expected_share")),
            share(pl.col("usual_share")),
            percent(pl.col("peer_ratio") - 1),
        ),
    )
