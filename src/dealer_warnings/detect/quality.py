"""Product quality incidents clustering at a dealer (`quality_spike`).

Two tests, either of which alerts:
- the count: more incidents than the dealer's usual rate and its peers explain (the negative
  binomial test shared with complaints, see `spikes`);
- the cluster: incidents of one faulty batch share one SKU and one defect type. Each
  incident falls on a (SKU, defect) pair with the chance that the dealer's purchases of that
  SKU (its share of the units it bought in the `baseline_months` before, a little of the
  network's mix added so a SKU it rarely buys is not impossible) and the network's share of
  that defect type give. How improbable is it that any one pair gets the largest group's M
  incidents or more? A union bound over every pair, judged two ways (the sensitivity split
  between them):
  - given the month's N incidents that name a SKU: sum of P(Binomial(N, p_pair) >= M). A
    month with many incidents spread over many SKUs (a heavy-tailed count, a busy season)
    is not a cluster, and 3 incidents of one crack on one SKU are, even where 3 incidents
    in all are usual;
  - not given them: a pair's incidents are a negative binomial with the count test's
    expectation for the month x p_pair (thinning keeps its spread). 4 incidents of one crack
    in a dealer that has one incident in a few months are a batch, even on its main SKU,
    where the first way finds nothing odd in 4 incidents falling where most of them do.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import betainc

from dealer_warnings.config import BaselineSettings, DetectSettings, QualitySpikeSettings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.signals import (
    READING_COLUMNS,
    month_label,
    negative_binomial_tail,
    number,
    readings,
    share,
    strongest,
)
from dealer_warnings.detect.spikes import count_signal, spike_readings

COUNT_EXPOSURES = (None, "orders")  # the count test's: usual per month, and per order


def quality_spike(
    frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings
) -> pl.DataFrame:
    own = settings.quality_spike
    counted = spike_readings(
        frame, "quality_incidents", "quality_spike", own, settings.baseline,
        pl.lit("quality incidents"),
        exposures=COUNT_EXPOSURES,
    )  # fmt: skip
    clusters = cluster_readings(frame, inputs, own, settings.baseline)
    if clusters.is_empty():
        return counted
    # The peers' change in incidents that month (the count test's), for the record.
    peers = counted.select("month", "dealer_id", pl.col("peer_change").alias("peers"))
    clusters = (
        clusters.join(peers, on=["month", "dealer_id"], how="left")
        .with_columns(pl.col("peers").alias("peer_change"))
        .drop("peers")
    )
    # Per dealer-month: a test that fired (the count first), else the more improbable one.
    return (
        strongest([counted, clusters], pl.col("fired"), "p_value")
        .sort("month", "dealer_id")
        .select(list(READING_COLUMNS))
    )


def largest_groups(defects: pl.DataFrame) -> pl.DataFrame:
    """Per dealer-month: `named` (incidents that name a SKU), `largest` (incidents of its
    largest (SKU, defect) group) and that group's `sku` and `defect_type` (ties: the first
    in SKU, defect order, so the choice never depends on row order)."""
    named = defects.filter(pl.col("sku").is_not_null() & pl.col("defect_type").is_not_null())
    return (
        named.sort("dealer_id", "month", pl.col("incidents"), "sku", "defect_type",
                   descending=[False, False, True, False, False])
        .group_by("dealer_id", "month", maintain_order=True)
        .agg(
            pl.col("incidents").sum().alias("named"),
            pl.col("incidents").first().alias("largest"),
            pl.col("sku").first(),
            pl.col("defect_type").first(),
        )
    )  # fmt: skip


def cluster_p(
    named: np.ndarray,
    largest: np.ndarray,
    expected: np.ndarray,
    dispersion: np.ndarray,
    pair_shares: list[np.ndarray],
) -> np.ndarray:
    """Per dealer-month, P(some (SKU, defect) pair gets >= `largest` incidents) when each
    falls on a pair with the chances `pair_shares`: given the `named` incidents, or as a
    negative binomial with the month's `expected` incidents and their `dispersion` (1/r).
    Each a union bound; the smaller, doubled for the two ways tried, at most 1. Without an
    expectation (NaN) only the first way is tried, at full sensitivity."""
    p = np.ones(len(named))
    tried = zip(named, largest, expected, dispersion, pair_shares, strict=True)
    for i, (n, m, mean, alpha, shares) in enumerate(tried):
        shares = np.clip(shares, 1e-12, 1.0)
        # P(Binomial(n, q) >= m) = I_q(m, n - m + 1)
        given_named = betainc(m, n - m + 1, shares).sum()
        if np.isnan(mean) or np.isnan(alpha):
            p[i] = min(1.0, given_named)
            continue
        at_all = negative_binomial_tail(
            np.full(len(shares), float(m)), mean * shares, np.full(len(shares), alpha), "up"
        ).sum()
        p[i] = min(1.0, 2 * min(given_named, at_all))
    return p


def cluster_readings(
    frame: pl.DataFrame,
    inputs: DetectInput,
    own: QualitySpikeSettings,
    baseline: BaselineSettings,
) -> pl.DataFrame:
    """Readings of the cluster test for the dealer-months whose largest (SKU, defect) group
    has at least `min_cluster` incidents (fewer cannot alert, and need no verdict)."""
    groups = largest_groups(inputs.dealer_defect_month).filter(pl.col("largest") >= own.min_cluster)
    if groups.is_empty():
        return pl.DataFrame(schema=READING_COLUMNS)
    # The count test's expectations of the month's incidents and their spreads (per month and
    # per order), the larger of each: a dealer whose orders grew expects more incidents.
    usual = (
        pl.concat(
            count_signal(frame, "quality_incidents", own, baseline, exposure=exposure).select(
                "dealer_id", "month", "c_expected", "c_dispersion"
            )
            for exposure in COUNT_EXPOSURES
        )
        .group_by("dealer_id", "month")
        .agg(pl.col("c_expected", "c_dispersion").max())
    )
    eligible = pl.col("history") >= own.history_needed(baseline)
    candidates = (
        groups.join(
            frame.filter(eligible).select("dealer_id", "month", "peer_group", "quality_incidents"),
            on=["dealer_id", "month"],
            how="inner",
        )
        .join(usual, on=["dealer_id", "month"], how="left")
        .sort("dealer_id", "month")
    )
    if candidates.is_empty():
        return pl.DataFrame(schema=READING_COLUMNS)
    sku_share, defect_share = mix_shares(candidates, inputs, own)
    pair_shares, top_share = [], []
    for row in candidates.iter_rows(named=True):
        key = (row["dealer_id"], row["month"])
        skus = sku_share[key]
        defects = defect_share[row["month"]]
        pairs = np.outer(np.fromiter(skus.values(), float), np.fromiter(defects.values(), float))
        pair_shares.append(pairs.ravel())
        top_share.append(
            skus.get(row["sku"], min(skus.values())) * defects.get(row["defect_type"], min(defects.values()))
        )  # fmt: skip
    p = cluster_p(
        candidates["named"].to_numpy(),
        candidates["largest"].to_numpy(),
        candidates["c_expected"].to_numpy(),  # NaN without a usual rate
        candidates["c_dispersion"].to_numpy(),
        pair_shares,
    )
    f = candidates.with_columns(
        pl.Series("p", p),
        (pl.col("named") * pl.Series("top_share", top_share)).alias("by_chance"),
        pl.Series("sku_share", [sku_share[(d, m)].get(s, 0.0) for d, m, s in
                                candidates.select("dealer_id", "month", "sku").iter_rows()]),
    )  # fmt: skip
    return readings(
        f,
        "quality_spike",
        own,
        value=pl.col("largest").cast(pl.Float64),
        expected=pl.col("by_chance"),
        baseline=pl.col("named").cast(pl.Float64),
        peer_change=pl.lit(None, pl.Float64),
        p_value=pl.col("p"),
        fired=pl.lit(True),
        critical=pl.lit(True),
        explanation=pl.format(
            "{} of {} quality incidents in {} were one defect ({}) on one SKU ({}){}: one "
            "faulty batch? By chance {} of the {} would be ({} is {} of what it bought).",
            pl.col("largest"),
            pl.col("named"),
            month_label(pl.col("month")),
            pl.col("defect_type"),
            pl.col("sku"),
            pl.format(
                ", where {} incidents in all were expected", number(pl.col("c_expected"), 1)
            ).fill_null(""),
            number(pl.col("by_chance"), 2),
            pl.col("named"),
            pl.col("sku"),
            share(pl.col("sku_share")),
        ),
    )


def mix_shares(
    candidates: pl.DataFrame, inputs: DetectInput, own: QualitySpikeSettings
) -> tuple[dict, dict]:
    """The chances an incident falls on a SKU (per candidate dealer-month) and on a defect type
    (per month), from the `baseline_months` months before: the dealer's share of units of the
    SKU, mixed with the network's (`network_mix_weight`), and the network's share of each
    defect type (one incident of each added, so a defect type seen rarely is not impossible).
    A SKU or defect type seen nowhere before counts as seen once."""
    months = own.baseline_months
    window_start = pl.col("month").dt.offset_by(f"-{months}mo")
    in_window = (pl.col("past") >= window_start) & (pl.col("past") < pl.col("month"))
    months_judged = candidates.select("month").unique()

    units = inputs.dealer_sku_month.select(
        "dealer_id", "sku", pl.col("month").alias("past"), pl.col("units").cast(pl.Float64)
    ).filter(pl.col("units") > 0)
    network_units = units.group_by("sku", "past").agg(pl.col("units").sum())
    network = (
        months_judged.join(network_units, how="cross")
        .filter(in_window)
        .group_by("month", "sku")
        .agg(pl.col("units").sum())
    )
    dealer = (
        candidates.select("dealer_id", "month")
        .join(units, on="dealer_id")
        .filter(in_window)
        .group_by("dealer_id", "month", "sku")
        .agg(pl.col("units").sum())
    )
    named = inputs.dealer_defect_month.filter(
        pl.col("sku").is_not_null() & pl.col("defect_type").is_not_null()
    )
    incidents = named.group_by("defect_type", pl.col("month").alias("past")).agg(
        pl.col("incidents").sum().cast(pl.Float64)
    )
    defects = (
        months_judged.join(incidents, how="cross")
        .filter(in_window)
        .group_by("month", "defect_type")
        .agg(pl.col("incidents").sum())
    )

    def shares(rows: pl.DataFrame, key: str, value: str, extra: set) -> dict:
        """{key: share}, one more of every key counted (and of each `extra` key, known or not)."""
        counts = dict.fromkeys(extra, 0.0) | dict(
            zip(rows[key].to_list(), rows[value].to_list(), strict=True)
        )
        total = sum(counts.values()) + len(counts)
        return {k: (v + 1) / total for k, v in counts.items()}

    empty_units = pl.DataFrame(schema={"sku": pl.Utf8, "units": pl.Float64})
    network_by_month = network.partition_by("month", as_dict=True)
    dealer_by_key = dealer.partition_by("dealer_id", "month", as_dict=True)
    weight = own.network_mix_weight
    sku_share: dict = {}
    for dealer_id, month, sku in candidates.select("dealer_id", "month", "sku").iter_rows():
        net = shares(network_by_month.get((month,), empty_units), "sku", "units", {sku})
        rows = dealer_by_key.get((dealer_id, month), empty_units)
        mine = dict(zip(rows["sku"].to_list(), rows["units"].to_list(), strict=True))
        bought = sum(mine.values())
        sku_share[(dealer_id, month)] = {
            k: (1 - weight) * (mine.get(k, 0.0) / bought if bought else v) + weight * v
            for k, v in net.items()
        }
    empty_defects = pl.DataFrame(schema={"defect_type": pl.Utf8, "incidents": pl.Float64})
    defects_by_month = defects.partition_by("month", as_dict=True)
    seen = candidates.group_by("month").agg(pl.col("defect_type").unique())
    defect_share = {
        month: shares(
            defects_by_month.get((month,), empty_defects), "defect_type", "incidents", set(types)
        )
        for month, types in seen.iter_rows()
    }
    return sku_share, defect_share
