"""The level test shared by `order_drop` and `sales_drop`: a monthly amount far from what the
dealer's own recent level, its own seasonal pattern and its peers that month predict.

expected = recent level x peers' change x own season, where
  recent level = the mean of the dealer's `baseline_months` months before the window (or
                 twice the window, if longer) without its largest and smallest month: one
                 odd month of its own does not move it;
  peers        = the peer group's median of (value / recent level) that month: seasonality,
                 a holiday or a region-wide dip moves everybody, so it moves the expectation;
  own season   = how far the dealer ran from its peers in the same window last year, shrunk
                 by how much of that deviation repeats a year later (measured on the data, so
                 a network without dealer-specific seasons gets none) and capped at two noise
                 widths (last year's one-off outlier does not repeat).
The fall is judged twice: against the dealer's own month-to-month noise (a t-test on the log
ratio) and as a count (units that come in lumps of orders); it alerts when both are improbable
and the change is big enough to matter. A 3-month window catches a lasting fall of a noisy
dealer that no single month shows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from dealer_warnings.config import BaselineSettings, DropSettings
from dealer_warnings.detect.signals import (
    above_or_below,
    is_bad_change,
    number,
    numpy_column,
    peer_median,
    percent,
    period_label,
    persistent,
    quasi_poisson_tail,
    readings,
    settle,
    share,
    strongest_window,
    t_tail,
    with_noise,
)

SEASON_LAG = 12  # months: the same window last year
SEASON_CLIP = 2.0  # last year's deviation counts at most this many noise widths
SEASON_NOTE_FROM = 0.02  # an own-season adjustment this small is not worth a mention


def trimmed_mean(expr: pl.Expr, months: int, min_months: int) -> pl.Expr:
    """Mean of the last `months` values without the largest and the smallest: as robust to
    one odd month of the dealer's own as a median, and steadier for lumpy purchases."""
    count = expr.is_not_null().cast(pl.Float64).rolling_sum(months, min_samples=1)
    total = expr.rolling_sum(months, min_samples=min_months)
    largest = expr.rolling_max(months, min_samples=min_months)
    smallest = expr.rolling_min(months, min_samples=min_months)
    return (total - largest - smallest) / (count - 2)


def seasonal_weight(frame: pl.DataFrame, residual: str, lagged: str, cap: float) -> pl.DataFrame:
    """Per month, the regression slope of this year's residual on last year's (clipped), over
    all dealer-months up to that month: how much of a dealer's deviation from its peers comes
    back the same time next year. 0 when nothing does, at most `cap`."""
    x, y = pl.col(lagged), pl.col(residual)
    both = x.is_not_null() & y.is_not_null()
    return (
        frame.group_by("month")
        .agg((x * y).filter(both).sum().alias("xy"), (x * x).filter(both).sum().alias("xx"))
        .sort("month")
        .select(
            "month",
            (pl.col("xy").cum_sum() / pl.col("xx").cum_sum())
            .fill_nan(0.0)
            .fill_null(0.0)
            .clip(0.0, cap)
            .alias("season_weight"),
        )
    )


def level_signal(
    frame: pl.DataFrame,
    value: str,
    settings: DropSettings,
    baseline: BaselineSettings,
    window: int,
    count: str,
    lumps: str | None,
    monthly: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Columns `w_value`, `w_baseline`, `w_expected`, `w_peer`, `w_season`, `res_noise`,
    `res_dof` and `w_p` for one window (the p-value already covers testing every window).

    `monthly` (dealer_id, month, res_noise, res_dof of the 1-month window) steadies a longer
    window's noise: see `window_noise`."""
    v = settle(pl.col(value).cast(pl.Float64))
    n = settle(pl.col(count).cast(pl.Float64))
    past = max(baseline.baseline_months, 2 * window)  # a longer window needs a steadier level
    half = max(3, past // 2)
    eligible = pl.col("history") >= settings.history_needed(baseline) + window - 1
    level = trimmed_mean(v.shift(window), past, half).over("dealer_id") * window
    f = frame.with_columns(
        settle(v.rolling_sum(window).over("dealer_id")).alias("w_value"),
        pl.when(eligible).then(level).alias("w_baseline"),
    ).with_columns(((pl.col("w_value") + 1) / (pl.col("w_baseline") + 1)).alias("own_ratio"))
    f = f.with_columns(peer_median(pl.col("own_ratio")).fill_null(1.0).alias("w_peer"))
    f = f.with_columns((pl.col("own_ratio") / pl.col("w_peer")).log().alias("raw_residual"))
    f = with_noise(f, "raw_residual", baseline, "raw", gap=window)

    lag = SEASON_LAG
    clip = SEASON_CLIP * pl.col("raw_noise").shift(lag)
    last_year = pl.col("raw_residual").shift(lag).clip(-clip, clip).over("dealer_id")
    f = f.with_columns(last_year.alias("last_year"))
    f = f.join(
        seasonal_weight(f, "raw_residual", "last_year", baseline.max_seasonal_weight),
        on="month",
        how="left",
        maintain_order="left",  # months in order per dealer: `with_noise` rolls over them
    ).with_columns((pl.col("season_weight") * pl.col("last_year")).fill_null(0.0).alias("w_season"))
    f = f.with_columns((pl.col("raw_residual") - pl.col("w_season")).alias("residual"))
    f = with_noise(f, "residual", baseline, "res", gap=window)
    if monthly is not None:
        f = window_noise(f, monthly, window, past)
    factor = pl.col("w_peer") * pl.col("w_season").exp()
    f = f.with_columns(
        ((pl.col("w_baseline") + 1) * factor - 1).clip(lower_bound=0).alias("w_expected"),
        (pl.col("residual") / pl.col("res_noise")).alias("z"),
        (trimmed_mean(n.shift(window), past, half).over("dealer_id") * window * factor).alias(
            "count_expected"
        ),
        settle(n.rolling_sum(window).over("dealer_id")).alias("count_value"),
    )
    spread = pl.lit(1.0)
    if lumps is not None:
        lump_sq = pl.col(lumps).cast(pl.Float64).shift(window).rolling_sum(past, min_samples=half)
        spread = (lump_sq / n.shift(window).rolling_sum(past, min_samples=half)).over("dealer_id")
    f = f.with_columns(spread.alias("spread"))
    level_p = t_tail(numpy_column(f, "z"), numpy_column(f, "res_dof"), settings.direction)
    count_p = quasi_poisson_tail(
        numpy_column(f, "count_value"),
        numpy_column(f, "count_expected"),
        numpy_column(f, "spread"),
        settings.direction,
    )
    # Both must be improbable (an intersection-union test keeps the level); then Bonferroni
    # over the windows tried.
    p = np.minimum(1.0, np.maximum(level_p, count_p) * len(settings.windows))
    return f.with_columns(
        pl.when(pl.col("w_baseline").is_not_null()).then(pl.Series("w_p", p)).alias("w_p")
    )


def window_noise(
    frame: pl.DataFrame, monthly: pl.DataFrame, window: int, level_months: int
) -> pl.DataFrame:
    """A window of several months rests on few independent residuals of its own (they
    overlap), so its measured noise is shaky. The dealer's monthly noise, measured on many
    more months, predicts it: independent months average out as 1/window, and the level's own
    error adds 1/(level_months - 2). The larger of the two is used, with the degrees of
    freedom of the one chosen."""
    monthly = monthly.select(
        "dealer_id", "month", pl.col("res_noise").alias("m_noise"), pl.col("res_dof").alias("m_dof")
    )
    predicted = pl.col("m_noise") * (1 / window + 1 / (level_months - 2)) ** 0.5
    measured_wins = pl.col("res_noise") > predicted
    return (
        # The caller's rolling sums need the frame's order (months in order per dealer).
        frame.join(monthly, on=["dealer_id", "month"], how="left", maintain_order="left")
        .with_columns(
            pl.max_horizontal("res_noise", predicted).alias("res_noise"),
            pl.when(measured_wins | pl.col("m_dof").is_null())
            .then(pl.col("res_dof"))
            .otherwise(pl.col("m_dof"))
            .alias("res_dof"),
        )
        .drop("m_noise", "m_dof")
    )


def level_readings(
    frame: pl.DataFrame,
    value: str,
    indicator: str,
    settings: DropSettings,
    baseline: BaselineSettings,
    describe: Callable[[pl.Expr], pl.Expr],
    count: str,
    lumps: str | None = None,
) -> pl.DataFrame:
    """One reading per dealer-month: the window that fired (else the most improbable one).

    `describe` turns the window's value into the start of the sentence ("Ordered 120 units").
    """
    one_month = level_signal(frame, value, settings, baseline, 1, count, lumps)
    monthly = one_month.select("dealer_id", "month", "res_noise", "res_dof")
    # Each of the last `persistence` months on its own is that far down: a late order or
    # report caught up the month after is not a fall.
    month_change = pl.col("w_value") / pl.col("w_expected") - 1
    # Months in a row with nothing (`silent`), and `spell`: the last month with something and
    # the silence after it, one group per dealer.
    something = (settle(pl.col(value).cast(pl.Float64)) != 0).cast(pl.Int32)
    spell = something.cum_sum().over("dealer_id")
    silent = (1 - something).cum_sum().over("dealer_id", spell)
    lasting = one_month.select(
        "dealer_id",
        "month",
        persistent(
            is_bad_change(month_change, settings.min_drop, settings.direction),
            settings.persistence,
        ).alias("lasting"),
        spell.alias("spell"),
        silent.alias("silent"),
    )
    per_window = []
    for window in settings.windows:
        f = (
            one_month
            if window == 1
            else level_signal(frame, value, settings, baseline, window, count, lumps, monthly)
        )
        change = pl.col("w_value") / pl.col("w_expected") - 1
        # A window of nothing after a month of nothing is a dealer that stopped before it:
        # old news, told while its fall was in the window.
        before = settle(pl.col(value).cast(pl.Float64)).shift(window).over("dealer_id")
        news = (pl.col("w_value") > 0) | (before > 0)
        per_window.append(
            f.join(
                lasting, on=["dealer_id", "month"], how="left", maintain_order="left"
            ).with_columns(
                change.alias("change"),
                (
                    (pl.col("w_baseline") >= settings.min_baseline * window)
                    & is_bad_change(change, settings.min_drop, settings.direction)
                    & news
                    & pl.col("lasting")
                ).alias("candidate"),
                period_label(window).alias("period"),
            )
        )
    keep = ["month", "dealer_id", "peer_group", "change", "candidate", "period"]
    keep += ["w_value", "w_expected", "w_baseline", "w_peer", "w_season", "w_p"]
    chosen = strongest_window([f.select(keep) for f in per_window], "w_p", settings.p_warning)
    # Dormant: nothing for `dormant_months` months in a row after a fall already told (an
    # alert since its last purchase, or in that month). A window that still holds its last
    # purchases is old news then; a silence nobody was told of is still told.
    told = (pl.col("candidate") & (pl.col("w_p") <= settings.p_warning)).fill_null(False)
    told_before = (told.cast(pl.Int32).cum_sum() - told.cast(pl.Int32)).over("dealer_id", "spell")
    dormant = (told_before > 0) & (pl.col("silent") >= settings.dormant_months)
    chosen = (
        chosen.join(
            lasting.select("dealer_id", "month", "spell", "silent"),
            on=["dealer_id", "month"],
            how="left",
        )
        .sort("dealer_id", "month")
        .with_columns((pl.col("candidate") & ~dormant.fill_null(False)).alias("candidate"))
    )
    season = pl.col("w_season").exp() - 1
    season_note = (
        pl.when(season.abs() >= SEASON_NOTE_FROM)
        .then(pl.lit("its own season ") + percent(season) + ", ")
        .otherwise(pl.lit(""))
    )
    return readings(
        chosen,
        indicator,
        settings,
        value=pl.col("w_value"),
        expected=pl.col("w_expected"),
        baseline=pl.col("w_baseline"),
        peer_change=pl.col("w_peer") - 1,
        p_value=pl.col("w_p"),
        fired=pl.col("candidate"),
        critical=is_bad_change(pl.col("change"), settings.critical_drop, settings.direction),
        explanation=pl.format(
            "{} in {}, {} {} the expected {} (own recent level {}, {}peers in {} {} that month).",
            describe(pl.col("w_value")),
            pl.col("period"),
            share(pl.col("change")),
            above_or_below(pl.col("change")),
            number(pl.col("w_expected")),
            number(pl.col("w_baseline")),
            season_note,
            pl.col("peer_group"),
            percent(pl.col("w_peer") - 1),
        ),
    )
