"""What every indicator shares: the frame it works on, peer groups, the dealer's own noise,
tail probabilities, and the readings every indicator returns.

Frames hold one row per dealer and month (sorted by dealer and month, zero-filled). Every
expression looks only at earlier months of the same dealer and at peers in the same month,
so a month's verdict never depends on later data.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import betainc, gammainc, gammaincc, ndtr, stdtr
from scipy.stats import betabinom

from dealer_warnings.config import BaselineSettings, Direction, IndicatorSettings

MAD_TO_SIGMA = 1.4826  # scales a median absolute deviation to a normal standard deviation
MIN_NOISE = 0.05  # log-ratio noise floor: a 5% wobble is normal even for the steadiest dealer
MIN_PRICE_NOISE = 0.01  # prices are steadier than volumes: a 1% wobble is normal
MIN_NOISE_SAMPLES = 6  # months of residuals before the dealer's own noise is trusted
MAX_SCORE = 10.0  # score = -log10(p), capped: beyond 1e-10 every alert is equally certain
SETTLE_DECIMALS = 9  # float noise of sums (1e-12) is below this; any real amount is above
ALL_DEALERS = "all dealers"  # the peer group of a dealer whose region is too small
# Readings this improbable are the events looked for: left out when measuring the normal spread.
TRIM_P = 1e-3
READING_COLUMNS = {
    "month": pl.Date,
    "dealer_id": pl.Utf8,
    "indicator": pl.Utf8,
    "peer_group": pl.Utf8,
    "value": pl.Float64,
    "expected": pl.Float64,
    "baseline": pl.Float64,
    "peer_change": pl.Float64,
    "p_value": pl.Float64,
    "score": pl.Float64,
    "fired": pl.Boolean,
    "severity": pl.Utf8,
    "explanation": pl.Utf8,
}
ALERT_COLUMNS = (
    "month", "dealer_id", "indicator", "severity", "score", "explanation",
    "value", "expected", "baseline", "peer_change", "peer_group", "p_value",
)  # fmt: skip


def settle(expr: pl.Expr) -> pl.Expr:
    """An amount or a sum of amounts rounded to SETTLE_DECIMALS: DuckDB and Polars add floats in
    varying order, and a rolling sum that slides past non-zero months leaves 1e-12 where the
    true value is 0 (or 4.999999999999 for 5). Without it, "ordered nothing" and "at least 5
    complaints" flip with the order of additions."""
    return expr.round(SETTLE_DECIMALS)


def with_history(frame: pl.DataFrame) -> pl.DataFrame:
    """`history` = how many earlier months the dealer has in the frame."""
    return frame.with_columns(pl.int_range(pl.len()).over("dealer_id").alias("history"))


def with_peer_groups(frame: pl.DataFrame, settings: BaselineSettings) -> pl.DataFrame:
    """Peer group = region and tier; the region alone where that group is too small; the
    whole network where even the region is (a lone dealer compared with itself never alerts)."""
    tier = pl.col("tier").fill_null("-")
    region = pl.col("region").fill_null("-")
    group_size = pl.len().over(region, tier, "month")
    region_size = pl.len().over(region, "month")
    return frame.with_columns(
        pl.when(group_size >= settings.min_peer_group)
        .then(pl.concat_str(region, tier, separator=" / "))
        .when(region_size >= settings.min_region_group)
        .then(region)
        .otherwise(pl.lit(ALL_DEALERS))
        .alias("peer_group")
    )


def peer_median(expr: pl.Expr) -> pl.Expr:
    return expr.median().over("peer_group", "month")


def with_noise(
    frame: pl.DataFrame,
    residual: str,
    settings: BaselineSettings,
    prefix: str,
    gap: int = 1,
    by: tuple[str, ...] = ("dealer_id",),
    floor: float = MIN_NOISE,
) -> pl.DataFrame:
    """How far the residual normally strays for this dealer: `<prefix>_noise` and the degrees
    of freedom `<prefix>_dof` it rests on.

    The dealer's own robust spread (median absolute residual over `noise_months`, skipping
    the `gap` - 1 residuals that overlap the current window) is pooled with its peer group's
    typical spread, weighted as `noise_prior_months` months of history: twelve calm months
    are weaker evidence of calm than they look, and a newcomer borrows its peers' noise.
    """
    past = pl.col(residual).abs().shift(gap)
    own = past.rolling_median(settings.noise_months, min_samples=MIN_NOISE_SAMPLES) * MAD_TO_SIGMA
    # Residuals of overlapping windows are not independent: `gap` of them count as one.
    samples = (
        past.is_not_null().cast(pl.Float64).rolling_sum(settings.noise_months, min_samples=1) / gap
    )
    own_spread = frame.lazy().with_columns(
        own.over(*by).alias(f"{prefix}_own_noise"),
        samples.over(*by).fill_null(0.0).alias(f"{prefix}_samples"),
    )
    prior = pl.col(f"{prefix}_own_noise").median().over("peer_group", "month", *by[1:])
    weight = settings.noise_prior_months
    n = pl.when(pl.col(f"{prefix}_own_noise").is_not_null()).then(pl.col(f"{prefix}_samples"))
    pooled = (
        (weight * prior.pow(2) + n.fill_null(0) * pl.col(f"{prefix}_own_noise").fill_null(0).pow(2))
        / (weight + n.fill_null(0))
    ).sqrt()
    return (
        own_spread.with_columns(
            pooled.fill_null(pl.col(f"{prefix}_own_noise"))
            .clip(lower_bound=floor)
            .alias(f"{prefix}_noise"),
            (n.fill_null(0) + pl.when(prior.is_not_null()).then(weight).otherwise(0)).alias(
                f"{prefix}_dof"
            ),
        )
        .drop(f"{prefix}_own_noise", f"{prefix}_samples")
        .collect()  # lazy: the expressions above share parts, computed once
    )


def t_tail(z: np.ndarray, dof: np.ndarray, direction: Direction) -> np.ndarray:
    """P(a Student-t with `dof` degrees of freedom lies at least as far as z, the bad way)."""
    dof = np.maximum(np.nan_to_num(dof, nan=1.0), 1.0)
    lower = stdtr(dof, z)
    return _directed(lower, 1 - lower, direction)


def normal_tail(z: np.ndarray, direction: Direction) -> np.ndarray:
    """P(a standard normal lies at least as far as z, the bad way)."""
    lower = ndtr(z)
    return _directed(lower, 1 - lower, direction)


def quasi_poisson_tail(
    observed: np.ndarray, expected: np.ndarray, spread: np.ndarray, direction: Direction
) -> np.ndarray:
    """P(a count at least this far from expected, the bad way) when its variance is `spread`
    x its mean (lumpy orders: spread = sum of squared order sizes / units). Counted in lumps
    of `spread` units, it is Poisson: a dealer that orders twice a month is not alarming for a
    month with none, one that orders 60 times is."""
    spread = np.maximum(np.nan_to_num(spread, nan=1.0), 1.0)
    lam = np.maximum(expected, 1e-9) / spread
    k = np.maximum(observed, 0) / spread
    lower = gammaincc(k + 1, lam)  # P(X <= k)
    upper = np.where(k > 0, gammainc(np.maximum(k, 1e-12), lam), 1.0)  # P(X >= k)
    return _directed(lower, upper, direction)


def negative_binomial_tail(
    observed: np.ndarray, expected: np.ndarray, alpha: np.ndarray, direction: Direction
) -> np.ndarray:
    """P(a count at least this far from expected, the bad way) for a negative binomial with
    this mean and 1/r = alpha (Poisson at 0)."""
    k = np.maximum(observed, 0)
    r = 1 / np.maximum(alpha, 1e-9)
    poisson = alpha <= 1e-9
    q = expected / (expected + r)

    def upper() -> np.ndarray:
        tail = np.ones_like(q)
        on = k > 0
        as_poisson, as_nb = on & poisson, on & ~poisson
        tail[as_poisson] = gammainc(np.maximum(k[as_poisson], 1), expected[as_poisson])
        tail[as_nb] = betainc(np.maximum(k[as_nb], 1), r[as_nb], q[as_nb])
        return tail

    def lower() -> np.ndarray:
        tail = np.empty_like(q)
        tail[poisson] = gammaincc(k[poisson] + 1, expected[poisson])
        tail[~poisson] = betainc(r[~poisson], k[~poisson] + 1, 1 - q[~poisson])
        return tail

    # Each special function only where it applies, and only the tail the direction needs:
    # they are most of detection's arithmetic.
    if direction == "up":
        return upper()
    if direction == "down":
        return lower()
    return _directed(lower(), upper(), direction)


def quasi_binomial_tail(
    observed: np.ndarray,
    trials: np.ndarray,
    share: np.ndarray,
    dispersion: np.ndarray,
    direction: Direction,
) -> np.ndarray:
    """P(hits at least this far from `share` of `trials`, the bad way), with the extra spread
    `dispersion` (>= 1) of lines that come in orders: counted in clumps of that size."""
    phi = np.maximum(np.nan_to_num(dispersion, nan=1.0), 1.0)
    k, n = observed / phi, trials / phi
    p = np.clip(share, 1e-9, 1 - 1e-9)
    lower = np.where(k >= n, 1.0, betainc(np.maximum(n - k, 1e-12), k + 1, 1 - p))
    upper = np.where(k > 0, betainc(np.maximum(k, 1e-12), n - k + 1, p), 1.0)
    return _directed(lower, upper, direction)


def beta_binomial_tail(
    observed: np.ndarray,
    trials: np.ndarray,
    share: np.ndarray,
    seen: np.ndarray,
    direction: Direction,
) -> np.ndarray:
    """P(hits at least this far from `share` of `trials`, the bad way) when the share itself
    was measured on `seen` earlier cases: a share from 10 cases is held less firmly than one
    from 1,000 (a beta-binomial with the share's beta posterior)."""
    p = np.clip(share, 1e-9, 1 - 1e-9)
    a, b = p * seen, (1 - p) * seen
    n = trials.round()
    lower = betabinom.cdf(observed, n, a, b) if direction != "up" else None
    upper = betabinom.sf(observed - 1, n, a, b) if direction != "down" else None
    return _directed(lower, upper, direction)


def _directed(lower: np.ndarray, upper: np.ndarray, direction: Direction) -> np.ndarray:
    if direction == "down":
        return lower
    if direction == "up":
        return upper
    return np.minimum(1.0, 2 * np.minimum(lower, upper))


def is_bad_change(change: pl.Expr, size: float, direction: Direction) -> pl.Expr:
    """The change is at least `size` (a fraction) the bad way."""
    if direction == "down":
        return change <= -size
    if direction == "up":
        return change >= size
    return change.abs() >= size


def persistent(rule: pl.Expr, months: int) -> pl.Expr:
    """The rule held in each of the dealer's last `months` months (frame sorted by dealer and
    month): a one-month blip (a late report, a delayed order) is not a lasting change."""
    if months == 1:
        return rule.fill_null(False)
    held = rule.fill_null(False).cast(pl.Int8).rolling_min(months, min_samples=months)
    return (held.over("dealer_id") == 1).fill_null(False)


def score_from_p(p: pl.Expr) -> pl.Expr:
    """-log10 of the tail probability, 0..10: 4 = one in 10,000, on every indicator alike."""
    return (-p.clip(lower_bound=1e-300).log10()).clip(0, MAX_SCORE)


def readings(
    frame: pl.DataFrame,
    indicator: str,
    settings: IndicatorSettings,
    *,
    value: pl.Expr,
    expected: pl.Expr,
    baseline: pl.Expr,
    peer_change: pl.Expr,
    p_value: pl.Expr,
    fired: pl.Expr,
    critical: pl.Expr,
    explanation: pl.Expr,
) -> pl.DataFrame:
    """One reading per dealer-month with a verdict (p_value not null): the numbers, the
    probability, whether it fired and the sentence saying so."""
    fired = (fired & (p_value <= settings.p_warning)).fill_null(False)
    severity = pl.when(critical & (p_value <= settings.p_critical)).then(pl.lit("critical"))
    return (
        frame.lazy()
        .with_columns(
            value.alias("value"),
            expected.alias("expected"),
            baseline.alias("baseline"),
            peer_change.alias("peer_change"),
            p_value.alias("p_value"),
        )
        .filter(pl.col("p_value").is_not_null() & pl.col("p_value").is_not_nan())
        .with_columns(
            pl.lit(indicator).alias("indicator"),
            score_from_p(pl.col("p_value")).alias("score"),
            fired.alias("fired"),
            pl.when(fired).then(severity.otherwise(pl.lit("warning"))).alias("severity"),
            explanation.alias("explanation"),
        )
        .select(pl.col(c).cast(t) for c, t in READING_COLUMNS.items())
        .collect()
    )


def window_fired(p: str, p_warning: float) -> pl.Expr:
    """A window (or part) fires: a `candidate` improbable enough."""
    return pl.col("candidate") & (pl.col(p) <= p_warning)


def strongest_window(per_window: list[pl.DataFrame], p: str, p_warning: float) -> pl.DataFrame:
    """One row per dealer-month from the windows (or parts) tried: one that fired (see
    `window_fired`), else the most improbable one (see `strongest`)."""
    return strongest(per_window, window_fired(p, p_warning), p)


def strongest(tried: list[pl.DataFrame], hit: pl.Expr, p: str) -> pl.DataFrame:
    """One row per dealer-month from the frames tried (windows, parts, tests): one where `hit`
    holds, else the one with the lowest `p`; on a tie the first frame tried (and, within a
    frame, the first row), so the choice never depends on sort luck."""
    numbered = [frame.with_columns(pl.lit(i).alias("tried")) for i, frame in enumerate(tried)]
    return (
        pl.concat(numbered)
        .filter(pl.col(p).is_not_null() & pl.col(p).is_not_nan())
        .with_columns(hit.alias("hit"))
        .sort("hit", p, "tried", descending=[True, False, False], maintain_order=True)
        .unique(["month", "dealer_id"], keep="first", maintain_order=True)
        .sort("dealer_id", "month")
        .drop("tried")
    )


def empty_readings() -> pl.DataFrame:
    return pl.DataFrame(schema=READING_COLUMNS)


def month_label(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%b %Y")


def period_label(window: int) -> pl.Expr:
    """'Oct 2026', or 'Aug 2026 to Oct 2026' for a window of several months."""
    if window == 1:
        return month_label(pl.col("month"))
    start = pl.col("month").dt.offset_by(f"-{window - 1}mo")
    return month_label(start) + " to " + month_label(pl.col("month"))


def percent(expr: pl.Expr) -> pl.Expr:
    """A signed whole percent as text: +5%, -62%."""
    rounded = _settled(expr * 100).round(0).cast(pl.Int64, strict=False)
    return (
        pl.when(rounded > 0).then(pl.lit("+")).otherwise(pl.lit("")) + rounded.cast(pl.Utf8) + "%"
    )


def share(expr: pl.Expr) -> pl.Expr:
    """An unsigned whole percent as text: 62%."""
    return _settled(expr.abs() * 100).round(0).cast(pl.Int64, strict=False).cast(pl.Utf8) + "%"


def number(expr: pl.Expr, decimals: int = 0) -> pl.Expr:
    """A number as text with exactly `decimals` decimals: 12, 0.90, -3.25."""
    scaled = _settled(expr * 10**decimals).round(0).cast(pl.Int64, strict=False)
    if decimals == 0:
        return scaled.cast(pl.Utf8)
    size = scaled.abs()
    sign = pl.when(scaled < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (size // 10**decimals).cast(pl.Utf8)
    fraction = (size % 10**decimals).cast(pl.Utf8).str.zfill(decimals)
    return sign + whole + "." + fraction


def above_or_below(change: pl.Expr) -> pl.Expr:
    return pl.when(_settled(change) < 0).then(pl.lit("below")).otherwise(pl.lit("above"))


def less_or_more(change: pl.Expr) -> pl.Expr:
    return pl.when(_settled(change) < 0).then(pl.lit("less")).otherwise(pl.lit("more"))


def _settled(expr: pl.Expr) -> pl.Expr:
    """Rounded to 6 decimals before any rounding for display: a sum DuckDB adds up in a
    different order (1e-12 off) must not turn 0.5 into 1 or "below" into "above"."""
    return expr.round(6)


def numpy_column(frame: pl.DataFrame, column: str) -> np.ndarray:
    return frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
