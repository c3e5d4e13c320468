"""What every indicator shares: peer groups, the drop test and the count-spike test.

All functions take and return Polars frames with one row per dealer and month (sorted by
dealer and month, zero-filled), and look only at earlier months of the same dealer and at
peers in the same month, so a month's verdict never depends on later data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
from scipy.special import betainc, gammaincc

from dealer_warnings.config import BaselineSettings, DropSettings, SpikeSettings

MAD_TO_SIGMA = 1.4826  # scales a median absolute deviation to a normal standard deviation
MIN_NOISE = 0.05  # log-ratio noise floor: a 5% wobble is normal even for the steadiest dealer
MIN_NOISE_SAMPLES = 6  # months of residuals before the dealer's own noise is trusted
MAX_SCORE = 10.0
ALERT_COLUMNS = {
    "month": pl.Date,
    "dealer_id": pl.Utf8,
    "indicator": pl.Utf8,
    "severity": pl.Utf8,
    "score": pl.Float64,
    "explanation": pl.Utf8,
    "value": pl.Float64,
    "expected": pl.Float64,
    "baseline": pl.Float64,
    "peer_change": pl.Float64,
    "peer_group": pl.Utf8,
}


def with_peer_groups(frame: pl.DataFrame, min_group: int) -> pl.DataFrame:
    """Peer group = region and tier, or the region alone where that group is too small."""
    tier = pl.col("tier").fill_null("-")
    size = pl.len().over("region", tier, "month")
    return frame.with_columns(
        pl.when(size >= min_group)
        .then(pl.concat_str(pl.col("region"), tier, separator=" / "))
        .otherwise(pl.col("region"))
        .alias("peer_group")
    )


def with_history(frame: pl.DataFrame) -> pl.DataFrame:
    """`history` = how many earlier months the dealer has in the frame."""
    return frame.with_columns(pl.int_range(pl.len()).over("dealer_id").alias("history"))


def peer_median(expr: pl.Expr) -> pl.Expr:
    return expr.median().over("peer_group", "month")


def with_noise(
    frame: pl.DataFrame, residual: str, months: int, prefix: str, gap: int = 1
) -> pl.DataFrame:
    """Robust z of a log-ratio residual against the dealer's own past residuals (MAD).

    `gap` skips the residuals that overlap the current window (a 3-month window's last two
    residuals share months with it), so the noise is measured on independent history.
    """
    past = pl.col(residual).abs().shift(gap).rolling_median(months, min_samples=MIN_NOISE_SAMPLES)
    noise = (past.over("dealer_id") * MAD_TO_SIGMA).clip(lower_bound=MIN_NOISE)
    return frame.with_columns(
        noise.alias(f"{prefix}_noise"), (pl.col(residual) / noise).alias(f"{prefix}_z")
    )


def drop_signal(
    frame: pl.DataFrame,
    value: str,
    settings: BaselineSettings,
    window: int = 1,
    count: str | None = None,
    lumps: str | None = None,
) -> pl.DataFrame:
    """Expected value and robust z for a monthly amount (units, money) over the last `window`
    months, for amounts that may fall.

    baseline  = window x the median of the dealer's `baseline_months` months before the window
    peer      = the peer group's median of (value / baseline) that month: seasonality, a
                region-wide dip or a holiday moves everybody, so it moves the expectation
    expected  = baseline x peer; residual = log(value / expected); z against own noise.
    A longer window needs a smaller fall per month to be significant: it catches a lasting
    drop of a noisy dealer one or two months in, where a single month can't tell.
    `count` (units) adds `_count_z`: how many standard deviations the count fell, as a
    compound Poisson count whose `lumps` column holds each month's sum of squared lump sizes
    (order sizes); a dealer ordering twice a month is not alarming for a month with none.
    Columns are named `<value>_w<window>_<what>`.
    """
    v = pl.col(value).cast(pl.Float64)
    p = f"{value}_w{window}"
    half = max(2, settings.baseline_months // 2)
    baseline = v.shift(window).rolling_median(settings.baseline_months, min_samples=half)
    eligible = pl.col("history") >= settings.min_history_months + window - 1
    frame = frame.with_columns(
        v.rolling_sum(window).over("dealer_id").alias(f"{p}_value"),
        (baseline.over("dealer_id") * window).alias(f"{p}_baseline"),
    ).with_columns(
        pl.when(eligible)
        .then((pl.col(f"{p}_value") + 1) / (pl.col(f"{p}_baseline") + 1))
        .alias(f"{p}_own_ratio")
    )
    frame = frame.with_columns(
        peer_median(pl.col(f"{p}_own_ratio")).fill_null(1.0).alias(f"{p}_peer_ratio")
    ).with_columns(
        (pl.col(f"{p}_baseline") * pl.col(f"{p}_peer_ratio")).alias(f"{p}_expected"),
        (pl.col(f"{p}_own_ratio") / pl.col(f"{p}_peer_ratio")).log().alias(f"{p}_residual"),
    )
    frame = with_noise(frame, f"{p}_residual", settings.noise_months, p, gap=window)
    if count is None:
        return frame
    n = pl.col(count).cast(pl.Float64)
    past = settings.baseline_months
    count_expected = (
        n.shift(window).rolling_median(past, min_samples=half).over("dealer_id")
        * window
        * pl.col(f"{p}_peer_ratio")
    )
    # Compound Poisson: var = mean x sum(lump^2) / sum(lump); 1 when each event is one unit.
    lumpiness = pl.lit(1.0)
    if lumps is not None:
        lump_sq = pl.col(lumps).cast(pl.Float64).shift(window).rolling_sum(past, min_samples=half)
        lumpiness = (lump_sq / n.shift(window).rolling_sum(past, min_samples=half)).over(
            "dealer_id"
        )
    variance = count_expected.clip(lower_bound=1e-9) * lumpiness.fill_nan(1.0).fill_null(1.0).clip(
        lower_bound=1.0
    )
    return frame.with_columns(
        ((n.rolling_sum(window).over("dealer_id") - count_expected) / variance.sqrt()).alias(
            f"{p}_count_z"
        )
    )


def robust_mean_rate(expr: pl.Expr, months: int) -> pl.Expr:
    """Mean of the last `months` months without the largest one, so one past spike of the
    dealer's own does not lift its normal rate."""
    past = expr.shift(1)
    count = past.is_not_null().cast(pl.Float64).rolling_sum(months, min_samples=1)
    total = past.rolling_sum(months, min_samples=1)
    largest = past.rolling_max(months, min_samples=1)
    return pl.when(count >= 2).then((total - largest) / (count - 1))


def spike_signal(frame: pl.DataFrame, value: str, months: int) -> pl.DataFrame:
    """Expected count and the tail probability of seeing at least this many.

    expected = the dealer's robust monthly rate x how much its peers (the rest of the group)
    rose that month against their own rates, so a region-wide wave does not single out one.
    A count model keeps small numbers honest: 3 complaints against 1 is not 300 against 100;
    its overdispersion is measured on the data (see `overdispersion`).
    """
    v = pl.col(value).cast(pl.Float64)
    p = value
    frame = frame.with_columns(robust_mean_rate(v, months).over("dealer_id").alias(f"{p}_baseline"))
    rate = pl.col(f"{p}_baseline").fill_null(0)
    group_value = v.filter(pl.col(f"{p}_baseline").is_not_null()).sum().over("peer_group", "month")
    others_value = group_value - pl.when(pl.col(f"{p}_baseline").is_not_null()).then(v).otherwise(0)
    others_rate = rate.sum().over("peer_group", "month") - rate
    peer = pl.when(others_rate > 1).then(others_value / others_rate).otherwise(1.0).clip(0.5, 3.0)
    frame = frame.with_columns(peer.alias(f"{p}_peer_ratio")).with_columns(
        (pl.col(f"{p}_baseline") * pl.col(f"{p}_peer_ratio"))
        .clip(lower_bound=0.3)
        .alias(f"{p}_expected")
    )
    frame = frame.join(overdispersion(frame, value, f"{p}_expected"), on="month", how="left")
    tail = upper_tail(
        frame[value].to_numpy().astype(float),
        frame[f"{p}_expected"].fill_null(np.nan).to_numpy(),
        frame["overdispersion"].fill_null(0.0).to_numpy(),
    )
    return frame.with_columns(pl.Series(f"{p}_p", tail).fill_nan(None)).drop("overdispersion")


def overdispersion(frame: pl.DataFrame, observed: str, expected: str) -> pl.DataFrame:
    """Per month, 1/r of a negative binomial (var = mean + mean^2 / r), by moments over all
    dealer-months up to and including that month (never later ones).

    Real complaint counts swing more than Poisson (they follow lumpy deliveries, seasons,
    campaigns); measuring how much on the data itself keeps p-values honest. 0 = Poisson.
    """
    x, mean = pl.col(observed).cast(pl.Float64), pl.col(expected)
    return (
        frame.filter(mean.is_not_null())
        .group_by("month")
        .agg(((x - mean) ** 2 - x).sum().alias("excess"), (mean**2).sum().alias("scale"))
        .sort("month")
        .select(
            "month",
            (pl.col("excess").cum_sum() / pl.col("scale").cum_sum())
            .fill_nan(0.0)
            .clip(lower_bound=0.0)
            .alias("overdispersion"),
        )
    )


def upper_tail(observed: np.ndarray, expected: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """P(X >= observed) for X negative binomial with this mean and 1/r = alpha (Poisson at 0)."""
    k = np.maximum(observed, 1)
    poisson_tail = 1 - gammaincc(k, expected)  # P(X >= k) = P(k, lambda)
    r = 1 / np.maximum(alpha, 1e-9)
    nb_tail = betainc(k, r, expected / (expected + r))  # P(X >= k) = I_{lambda/(lambda+r)}(k, r)
    tail = np.where(alpha > 1e-9, nb_tail, poisson_tail)
    return np.where(observed > 0, tail, 1.0)


def score_from_z(z: pl.Expr) -> pl.Expr:
    return (-z).clip(0, MAX_SCORE)


def score_from_p(p: pl.Expr) -> pl.Expr:
    return (-p.clip(lower_bound=1e-300).log10()).clip(0, MAX_SCORE)


def month_label(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%b %Y")


def percent(expr: pl.Expr) -> pl.Expr:
    """A signed whole percent as text: +5%, -62%."""
    rounded = (expr * 100).round(0).cast(pl.Int64)
    return (
        pl.when(rounded > 0).then(pl.lit("+")).otherwise(pl.lit("")) + rounded.cast(pl.Utf8) + "%"
    )


def share(expr: pl.Expr) -> pl.Expr:
    """An unsigned whole percent as text: 62%."""
    return (expr.abs() * 100).round(0).cast(pl.Int64).cast(pl.Utf8) + "%"


def number(expr: pl.Expr, decimals: int = 0) -> pl.Expr:
    return expr.round(decimals).cast(pl.Int64 if decimals == 0 else pl.Float64).cast(pl.Utf8)


def as_alerts(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep the alert columns in the warehouse's order and types."""
    return frame.select(pl.col(c).cast(t) for c, t in ALERT_COLUMNS.items())


def empty_alerts() -> pl.DataFrame:
    return pl.DataFrame(schema=ALERT_COLUMNS)


def drop_alerts(
    frame: pl.DataFrame,
    value: str,
    indicator: str,
    settings: DropSettings,
    baseline: BaselineSettings,
    describe: Callable[[pl.Expr], pl.Expr],
    count: str,
    lumps: str | None = None,
) -> pl.DataFrame:
    """Alerts where `value` fell far below its peer-adjusted baseline, beyond the dealer's
    noise, over any of the configured windows; the most significant window explains it.

    `describe` turns the window's value into the start of the sentence ("Ordered 120 units").
    """
    candidates = []
    for window in settings.windows:
        p = f"{value}_w{window}"
        f = drop_signal(frame, value, baseline, window, count, lumps)
        change = pl.col(f"{p}_value") / pl.col(f"{p}_expected") - 1
        fired = f.with_columns(change.alias("change")).filter(
            (pl.col("history") >= baseline.min_history_months + window - 1)
            & (pl.col(f"{p}_baseline") >= settings.min_baseline * window)
            & (pl.col("change") <= -settings.min_drop)
            & (pl.col(f"{p}_z") <= -settings.z_warning)
            & (pl.col(f"{p}_count_z") <= -settings.min_count_z)
        )
        period = month_label(pl.col("month"))
        if window > 1:
            start = pl.col("month").dt.offset_by(f"-{window - 1}mo")
            period = start.dt.strftime("%b %Y") + " to " + period + f" ({window} months)"
        candidates.append(
            fired.select(
                "month",
                "dealer_id",
                "peer_group",
                "change",
                pl.col(f"{p}_value").alias("value"),
                pl.col(f"{p}_expected").alias("expected"),
                pl.col(f"{p}_baseline").alias("baseline"),
                pl.col(f"{p}_z").alias("z"),
                (pl.col(f"{p}_peer_ratio") - 1).alias("peer_change"),
                period.alias("period"),
            )
        )
    strongest = (
        pl.concat(candidates)
        .sort("z")
        .unique(["month", "dealer_id"], keep="first", maintain_order=True)
    )
    return as_alerts(
        strongest.with_columns(
            pl.lit(indicator).alias("indicator"),
            pl.when(pl.col("change") <= -settings.critical_drop)
            .then(pl.lit("critical"))
            .otherwise(pl.lit("warning"))
            .alias("severity"),
            score_from_z(pl.col("z")).alias("score"),
            pl.format(
                "{} in {}, {} below the expected {} (own baseline {}); "
                "peers in {} moved {} that month.",
                describe(pl.col("value")),
                pl.col("period"),
                share(pl.col("change")),
                number(pl.col("expected")),
                number(pl.col("baseline")),
                pl.col("peer_group"),
                percent(pl.col("peer_change")),
            ).alias("explanation"),
        )
    )


def spike_alerts(
    frame: pl.DataFrame, value: str, indicator: str, settings: SpikeSettings, noun: str
) -> pl.DataFrame:
    """Alerts where a monthly count is improbably high for this dealer, given its peers."""
    f = spike_signal(frame, value, settings.baseline_months)
    p = value
    ratio = pl.col(value) / pl.col(f"{p}_expected")
    fired = f.filter(
        (pl.col("history") >= settings.baseline_months // 2)
        & (pl.col(value) >= settings.min_count)
        & (ratio >= settings.min_ratio)
        & (pl.col(f"{p}_p") <= settings.p_warning)
    )
    peer_change = pl.col(f"{p}_peer_ratio") - 1
    return as_alerts(
        fired.with_columns(
            pl.lit(indicator).alias("indicator"),
            pl.when(pl.col(f"{p}_p") <= settings.p_critical)
            .then(pl.lit("critical"))
            .otherwise(pl.lit("warning"))
            .alias("severity"),
            score_from_p(pl.col(f"{p}_p")).alias("score"),
            pl.format(
                "{} {} in {}, {} times the {} expected from its usual {} a month "
                "and its peers, who moved {} that month ({}).",
                number(pl.col(value)),
                pl.lit(noun),
                month_label(pl.col("month")),
                number(ratio, 0),
                number(pl.col(f"{p}_expected"), 2),
                number(pl.col(f"{p}_baseline"), 2),
                percent(peer_change),
                pl.col("peer_group"),
            ).alias("explanation"),
            pl.col(value).alias("value"),
            pl.col(f"{p}_expected").alias("expected"),
            pl.col(f"{p}_baseline").alias("baseline"),
            peer_change.alias("peer_change"),
        )
    )
