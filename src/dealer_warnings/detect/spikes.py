"""The count test shared by `complaint_spike`, `quality_spike`, `category_spike` and
`service_overdue`: a monthly count improbably high for this dealer, given its peers.

expected = the dealer's robust monthly rate (its mean over `baseline_months` without its
largest month, so one past spike of its own does not raise the bar; and, separately, per
unit of exposure such as its orders: the count must be improbable both ways, so a dealer
whose complaints grow with its business does not alert) x its peer group's
change that month (all the other peers' counts against all their usual rates, leaving out a
peer with a spike of its own), so a region-wide wave does not single out one dealer; a quiet
month of the peers does not lower it. The count is judged as a negative binomial: 3
complaints against 1 is not 300 against 100, and its extra spread (real counts follow lumpy
deliveries, seasons, campaigns) is measured on the network's earlier months, the dealer's
own months weighed by how much its counts can tell.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import polars as pl

from dealer_warnings.config import BaselineSettings, SpikeSettings
from dealer_warnings.detect.signals import (
    TRIM_P,
    beta_binomial_tail,
    negative_binomial_tail,
    number,
    numpy_column,
    percent,
    period_label,
    readings,
    settle,
    share,
    strongest_window,
    window_fired,
)

OUTLYING_PEER = 2.5  # a peer whose count rose this many times the group's median change spikes
PEER_PRIOR_EVENTS = 2.0  # a change is (count + 2) / (usual + 2): few counts, little change
PRIOR_EVENTS = 2.0  # a rate per order starts from 2 events at the network's rate
MIN_EXPECTED = 0.3  # a dealer that never had a case still might: 0.3 a month at least
MAX_SHARE = 0.99  # an expected share is never quite all of the cases
# A count whose share rose also comes in this many times as often as usual: a share that rose
# only because the other cases fell away (fewer complaints of other kinds, fewer cases in all)
# is no rise of this count.
MIN_SHARE_RISE = 1.5


class ShareOf(NamedTuple):
    """A spike's second test: the count as a share of all the cases in `column`, which the
    sentence calls `cases` ("complaints"); the counted ones `were` something (None: the count's
    own noun). A case that counts at `overlap` month ends in a row (a case open at several)
    is one case's evidence for the usual share, not `overlap` cases'."""

    column: str
    cases: str
    were: str | None = None
    overlap: int = 1


def mean_rate(expr: pl.Expr, months: int, skip: int = 1, trim: bool = True) -> pl.Expr:
    """Mean of `months` months ending `skip` months back, without the largest one (`trim`).

    The trimmed mean is the dealer's own yardstick: one past spike does not raise it. Summed
    over peers it is biased low (a peer with one case a year has a trimmed rate of 0), so the
    peers' change is measured against their plain means (`trim=False`)."""
    past = expr.shift(skip)
    count = past.is_not_null().cast(pl.Float64).rolling_sum(months, min_samples=1)
    total = past.rolling_sum(months, min_samples=1)
    if not trim:
        return pl.when(count >= 2).then(total / count)
    largest = past.rolling_max(months, min_samples=1)
    return pl.when(count >= 2).then((total - largest) / (count - 1))


def count_and_exposure(
    expr: pl.Expr,
    exposure: pl.Expr,
    network: pl.Expr,
    months: int,
    skip: int = 1,
    trim: bool = True,
) -> tuple[pl.Expr, pl.Expr]:
    """The count and its exposure over `months` months ending `skip` months back, without the
    largest count (its exposure left out as an average month's; `trim`, as in
    `mean_rate`), both starting from PRIOR_EVENTS events at the `network` rate: a
    dealer whose few orders brought no complaint yet is not taken to never get one, while a
    dealer with many orders keeps its own rate."""
    past, past_exposure = expr.shift(skip), exposure.shift(skip)
    count = past.is_not_null().cast(pl.Float64).rolling_sum(months, min_samples=1)
    total = past.rolling_sum(months, min_samples=1)
    largest = past.rolling_max(months, min_samples=1) if trim else pl.lit(0.0)
    kept = (count - 1) / count if trim else pl.lit(1.0)
    exposed = past_exposure.rolling_sum(months, min_samples=1) * kept
    known = (count >= 2) & (exposed > 0)
    prior = known & (network > 0)
    return (
        pl.when(prior).then(total - largest + PRIOR_EVENTS).when(known).then(total - largest),
        pl.when(prior).then(exposed + PRIOR_EVENTS / network).when(known).then(exposed),
    )


def count_signal(
    frame: pl.DataFrame,
    value: str,
    settings: SpikeSettings,
    baseline: BaselineSettings,
    window: int = 1,
    skip: int = 1,
    by: tuple[str, ...] = (),
    exposure: str | None = None,
    drawn: bool = False,
    tests: int = 1,
    overlap: int = 1,
) -> pl.DataFrame:
    """Columns `c_value` (the count over the last `window` months), `c_rate` (the usual
    monthly rate, from months at least `skip` back), `c_peer` (the peers' change),
    `c_expected`, `c_dispersion` and `c_p` (the tail probability the bad way, covering every
    window tried); `by` splits a dealer's counts further (by category), each part with its
    own rate, peers and spread. With an `exposure` column (the cases a count can come from),
    the usual rate is per unit of exposure (from the network's while the dealer's own
    exposure is small), times this month's exposure: twice the cases, twice the count
    expected. A count `drawn` from its exposure (logistics complaints out of all complaints)
    is judged by its share of them instead (see `share_tail`; a case counted at `overlap`
    month ends is one case's evidence). `tests` = how many tests share the sensitivity
    besides the windows."""
    series = ("dealer_id", *by)
    v = pl.col(value).cast(pl.Float64)
    months_back = max(skip, window)
    months = settings.baseline_months
    if exposure is None:
        usual = mean_rate(v, months, months_back)
        plain = mean_rate(v, months, months_back, trim=False)
    else:
        e = pl.col(exposure).cast(pl.Float64)
        network = network_rate(frame, value, exposure, months_back, by)
        frame = frame.join(network, on=["month", *by], how="left", maintain_order="left")
        counted, exposed = count_and_exposure(v, e, pl.col("network_rate"), months, months_back)
        usual = counted / exposed * e.rolling_mean(window)
        all_counted, all_exposed = count_and_exposure(
            v, e, pl.col("network_rate"), months, months_back, trim=False
        )
        plain = all_counted / all_exposed * e.rolling_mean(window)
    f = frame.lazy().with_columns(
        settle(v.rolling_sum(window).over(*series)).alias("c_value"),
        usual.over(*series).alias("c_rate"),
        plain.over(*series).alias("c_plain_rate"),
    )
    if drawn:
        f = f.with_columns(
            settle(e.rolling_sum(window).over(*series)).alias("c_trials"),
            (exposed / overlap).over(*series).alias("c_seen"),
            (mean_rate(v, months, months_back) * window).over(*series).alias("c_usual_count"),
        )
    count = pl.col("c_value")
    has_rate = pl.col("c_rate").is_not_null()
    rate = pl.col("c_plain_rate").fill_null(0) * window
    # The peers' change: all their counts against all their usual (plain mean) rates (this
    # dealer left out), so small counts add up to a clear season; a peer with a spike of its
    # own (a change OUTLYING_PEER times the group's median one) is left out, so it does not
    # hide another's.
    group = ("peer_group", "month", *by)
    own_change = (count + PEER_PRIOR_EVENTS) / (rate + PEER_PRIOR_EVENTS)
    typical = own_change.filter(has_rate).median().over(group)
    pooled = has_rate & (own_change <= OUTLYING_PEER * typical)
    others_count = count.filter(pooled).sum().over(group) - pl.when(pooled).then(count).otherwise(0)
    others_rate = rate.filter(pooled).sum().over(group) - pl.when(pooled).then(rate).otherwise(0)
    peer = ((others_count + PEER_PRIOR_EVENTS) / (others_rate + PEER_PRIOR_EVENTS)).fill_null(1.0)
    # Peers may only move the expectation the bad way: a wave across the region explains a
    # dealer's rise, but the peers' quiet month does not make the dealer's usual count odd.
    peer = {"up": peer.clip(lower_bound=1.0), "down": peer.clip(upper_bound=1.0)}.get(
        settings.direction, peer
    )
    mean = pl.col("c_expected")
    f = (
        f.with_columns(peer.alias("c_peer"))
        .with_columns((pl.col("c_rate") * window * pl.col("c_peer")).clip(lower_bound=MIN_EXPECTED).alias("c_expected"))
        .with_columns(((count - mean) ** 2 - count).alias("c_excess"), (mean**2).alias("c_scale"))
        .collect()
    )  # fmt: skip
    if drawn:
        f, tail = share_tail(f, settings)
    else:
        f = with_dispersion(f, settings, baseline, by)
        tail = negative_binomial_tail(
            numpy_column(f, "c_value"),
            numpy_column(f, "c_expected"),
            numpy_column(f, "c_dispersion"),
            settings.direction,
        )
    p = np.minimum(1.0, tail * len(settings.windows) * tests)
    # The usual rate needs its own months of history, all at least `months_back` back.
    eligible = pl.col("history") >= settings.history_needed(baseline) + months_back - 1
    return f.with_columns(
        pl.when(eligible & has_rate).then(pl.Series("c_p", p, nan_to_null=True)).alias("c_p")
    ).drop("network_rate", "c_plain_rate", "c_seen", "c_usual_count", strict=False)


def share_tail(frame: pl.DataFrame, settings: SpikeSettings) -> tuple[pl.DataFrame, np.ndarray]:
    """The frame with `c_expected` at most MAX_SHARE of the cases, and the tail probability of
    the count as a share of its `c_trials` cases: a beta-binomial around the expected share,
    as uncertain as the `c_seen` earlier cases it rests on. A month that brings every kind of
    complaint (a busy month, a lumpy one) leaves shares alone, so a rise of one kind is judged
    without the spread of monthly counts. Only counts MIN_SHARE_RISE x the usual count, of
    at most their cases, and counts or expectations of at least `min_count`, are judged (NaN
    otherwise, where the count test speaks alone)."""
    f = frame.with_columns(
        pl.min_horizontal("c_expected", MAX_SHARE * pl.col("c_trials")).alias("c_expected")
    )
    big = (pl.col("c_value") >= settings.min_count) | (pl.col("c_expected") >= settings.min_count)
    rose = pl.col("c_value") >= MIN_SHARE_RISE * pl.col("c_usual_count")
    judged = f.select(
        (
            big & rose & pl.col("c_seen").is_not_null() & (pl.col("c_trials") >= pl.col("c_value"))
        ).fill_null(False)
    ).to_series()
    part = f.filter(judged)
    trials = numpy_column(part, "c_trials")
    tail = np.full(f.height, np.nan)
    tail[judged.arg_true().to_numpy()] = beta_binomial_tail(
        numpy_column(part, "c_value"),
        trials,
        numpy_column(part, "c_expected") / trials,
        numpy_column(part, "c_seen"),
        settings.direction,
    )
    return f, tail


def network_rate(
    frame: pl.DataFrame, value: str, exposure: str, skip: int, by: tuple[str, ...]
) -> pl.DataFrame:
    """Per month (and `by` part): the network's count per unit of exposure over all months
    at least `skip` months back (null before there are any)."""
    so_far = (pl.col("counted").cum_sum() / pl.col("exposed").cum_sum()).shift(skip)
    return (
        frame.group_by("month", *by)
        .agg(pl.col(value).sum().cast(pl.Float64).alias("counted"), pl.col(exposure).sum().cast(pl.Float64).alias("exposed"))
        .sort("month")
        .select("month", *by, (so_far.over(*by) if by else so_far).fill_nan(None).alias("network_rate"))
    )  # fmt: skip


def with_dispersion(
    frame: pl.DataFrame,
    settings: SpikeSettings,
    baseline: BaselineSettings,
    by: tuple[str, ...],
) -> pl.DataFrame:
    """`c_dispersion`: 1/r of a negative binomial (variance = mean + mean^2 / r; 0 = Poisson)
    for this dealer-month, measured by moments on earlier data only.

    The network's value (all dealer-months up to that month) is measured twice: the second
    time without the counts the first found improbable (p < TRIM_P), so the spikes being
    looked for do not widen what counts as normal. The dealer's own value (its earlier
    months, spikes left out) is pooled with the network's, weighted by how much its counts
    can tell: a dealer with one complaint a month says little about its spread, one with 50
    a lot (the network counts as `noise_prior_months` months at the dealer's own level, at
    least one a month).
    """
    first = network_dispersion(frame, pl.lit(True), by)
    # Both joins keep the frame's order (months in order per series): `own` rolls over it.
    f = frame.join(first, on=["month", *by], how="left", maintain_order="left")
    p = negative_binomial_tail(
        numpy_column(f, "c_value"),
        numpy_column(f, "c_expected"),
        numpy_column(f, "network_dispersion"),
        "up",
    )
    usual = pl.Series("usual", p >= TRIM_P) & f["c_expected"].is_not_null()
    f = f.drop("network_dispersion").with_columns(usual)
    f = f.join(
        network_dispersion(f, pl.col("usual"), by),
        on=["month", *by],
        how="left",
        maintain_order="left",
    )

    def own(column: str) -> pl.Expr:
        kept = pl.when(pl.col("usual")).then(pl.col(column))
        past = kept.shift(1).rolling_sum(settings.baseline_months, min_samples=1)
        return past.over("dealer_id", *by).fill_null(0.0)

    months = (
        pl.col("usual")
        .cast(pl.Float64)
        .shift(1)
        .rolling_sum(settings.baseline_months, min_samples=1)
    )
    typical = (own("c_scale") / months.over("dealer_id", *by)).fill_nan(0).fill_null(0).sqrt()
    # The dealer's own estimate from n months at mean mu has a variance of about
    # 2 (1 + alpha mu)^2 / (n mu^2); weighing it against the spread of dispersion between
    # dealers gives the network this many units of sum(mu^2).
    prior = 2 * (1 + pl.col("network_dispersion") * typical).pow(2) / settings.dispersion_spread**2
    pooled = (own("c_excess") + prior * pl.col("network_dispersion")) / (own("c_scale") + prior)
    # Lazy: the shared rolling sums are computed once (eager evaluation repeats each).
    return (
        f.lazy()
        .with_columns(pooled.clip(lower_bound=0.0).alias("c_dispersion"))
        .drop("usual", "network_dispersion")
        .collect()
    )


def network_dispersion(frame: pl.DataFrame, keep: pl.Expr, by: tuple[str, ...]) -> pl.DataFrame:
    """Per month (and `by` part), 1/r by moments over the kept dealer-months so far."""
    kept = pl.col("c_expected").is_not_null() & keep
    # Months before this one only: a spike this month must not widen its own yardstick.
    so_far = pl.col("excess").cum_sum().shift(1) / pl.col("scale").cum_sum().shift(1)
    return (
        frame.group_by("month", *by)
        .agg(
            pl.col("c_excess").filter(kept).sum().alias("excess"),
            pl.col("c_scale").filter(kept).sum().alias("scale"),
        )
        .sort("month")
        .select(
            "month",
            *by,
            (so_far.over(*by) if by else so_far)
            .fill_nan(0.0)
            .clip(lower_bound=0.0)
            .alias("network_dispersion"),
        )
    )


def least_surprised(variants: list[pl.DataFrame], most: bool = False) -> pl.DataFrame:
    """Per dealer-month (and part), the variant whose expectation makes the count least
    improbable: alert only when the count is improbable both per month and per order. With
    `most`, the one that makes it most improbable: alert when either test finds it so."""
    if len(variants) == 1:
        return variants[0]
    keys = [c for c in ("dealer_id", "category", "month") if c in variants[0].columns]
    # A variant without a verdict counts as unsurprised: with it, no verdict at all (both
    # ways must judge); with `most`, the other variant's verdict.
    return (
        pl.concat(
            [v.with_columns(pl.lit(i).alias("_variant")) for i, v in enumerate(variants)],
            how="diagonal",  # a share test has no dispersion
        )
        .sort(pl.col("c_p").fill_null(2.0), "_variant", descending=[not most, False])
        .unique(keys, keep="first")
        .drop("_variant")
        .sort(*keys)
    )


def told_once(
    per_window: list[pl.DataFrame], settings: SpikeSettings, by: tuple[str, ...]
) -> list[pl.DataFrame]:
    """The windows with `candidate` cleared where a longer window would only tell again a
    spike that already alerted: a window of several months whose earlier months (of this
    part) alerted in any window. Otherwise one burst alerts twice, the second time as
    "10 complaints in Oct to Nov" while November itself was quiet."""
    series = ("dealer_id", *by)
    keys = ["month", *series]
    fired = window_fired("c_p", settings.p_warning).fill_null(False).alias("hit")
    alerted = (
        pl.concat([f.select(*keys, fired) for f in per_window])
        .group_by(keys)
        .agg(pl.col("hit").any())
    )
    kept = []
    for window, frame in zip(settings.windows, per_window, strict=True):
        if window == 1:
            kept.append(frame)
            continue
        # The frames keep count_signal's order (months in order per series, which its rolling
        # sums need too), so the join keeps it and no sort is needed.
        told = pl.col("hit").shift(1).rolling_max(window - 1, min_samples=1).over(*series)
        kept.append(
            frame.join(alerted, on=keys, how="left", maintain_order="left")
            .with_columns((pl.col("candidate") & ~told.fill_null(False)).alias("candidate"))
            .drop("hit")
        )
    return kept


def spike_readings(
    frame: pl.DataFrame,
    value: str,
    indicator: str,
    settings: SpikeSettings,
    baseline: BaselineSettings,
    noun: pl.Expr,
    by: tuple[str, ...] = (),
    skip: int = 1,
    when: pl.Expr | None = None,
    exposures: tuple[str | None, ...] = (None,),
    share_of: ShareOf | None = None,
) -> pl.DataFrame:
    """One reading per dealer-month: the window (and, with `by`, the part) that fired, else
    the most improbable one; the count, what was expected, and the sentence built from them
    ("7 complaints in Oct 2026, ..."; `when` replaces "in Oct 2026"). With several
    `exposures`, a count alerts only when it is improbable against every one of them. With
    `share_of`, the count's share of all the cases is a second test, and either may alert (the
    sensitivity is split)."""
    keep = ["month", "dealer_id", "peer_group", *by]
    keep += ["c_value", "c_rate", "c_peer", "c_expected", "c_trials", "c_p", "candidate", "when"]
    tests = 1 if share_of is None else 2
    per_window = []
    for window in settings.windows:
        args = (frame, value, settings, baseline, window, skip, by)
        f = least_surprised([count_signal(*args, exposure, tests=tests) for exposure in exposures])
        if share_of is None:
            f = f.with_columns(pl.lit(None, pl.Float64).alias("c_trials"))
        else:
            shares = count_signal(
                *args, share_of.column, drawn=True, tests=tests, overlap=share_of.overlap
            )
            f = least_surprised([f, shares], most=True)
        count, expected = pl.col("c_value"), pl.col("c_expected")
        ratio = count / expected
        big_enough = {
            "up": (count >= settings.min_count) & (ratio >= settings.min_ratio),
            "down": (expected >= settings.min_count) & (ratio <= 1 / settings.min_ratio),
        }
        big_enough["both"] = big_enough["up"] | big_enough["down"]
        period = pl.lit("in ") + period_label(window) if when is None else when
        per_window.append(
            f.with_columns(
                big_enough[settings.direction].alias("candidate"),
                period.alias("when"),
                pl.lit(window).alias("window"),
            )
            .select(*keep, "window")
            .with_columns(noun.alias("noun"))
        )
    chosen = strongest_window(told_once(per_window, settings, by), "c_p", settings.p_warning)
    count, expected, trials = pl.col("c_value"), pl.col("c_expected"), pl.col("c_trials")
    explanation = pl.format(
        "{} {} {}, {} times the {} expected from its usual {} a month "
        "and its peers, who moved {} that month ({}).",
        number(count),
        pl.col("noun"),
        pl.col("when"),
        number(count / expected, 1),
        number(expected, 2),
        number(pl.col("c_rate"), 2),
        percent(pl.col("c_peer") - 1),
        pl.col("peer_group"),
    )
    if share_of is not None:
        explanation = (
            pl.when(trials.is_null())
            .then(explanation)
            .otherwise(
                pl.format(
                    "{}{}, {} of its {} {} were {} ({}), against the {} expected from its usual "
                    "{} and its peers, who moved {} that month ({}).",
                    pl.col("when").str.head(1).str.to_uppercase(),
                    pl.col("when").str.slice(1),
                    number(count),
                    number(trials),
                    pl.lit(share_of.cases),
                    pl.col("noun") if share_of.were is None else pl.lit(share_of.were),
                    share(count / trials),
                    share(expected / trials),
                    share(pl.col("c_rate") * pl.col("window") / trials),
                    percent(pl.col("c_peer") - 1),
                    pl.col("peer_group"),
                )
            )
        )
    return readings(
        chosen,
        indicator,
        settings,
        value=count,
        expected=expected,
        baseline=pl.col("c_rate"),
        peer_change=pl.col("c_peer") - 1,
        p_value=pl.col("c_p"),
        fired=pl.col("candidate"),
        critical=pl.lit(True),
        explanation=explanation,
    )
