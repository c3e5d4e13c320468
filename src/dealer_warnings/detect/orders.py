"""Sell-in indicators: the dealer orders much less (`order_drop`) or pays less per unit for
the same products (`price_drop`)."""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import DetectSettings, PriceDropSettings
from dealer_warnings.detect.drops import level_readings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.signals import (
    MIN_PRICE_NOISE,
    is_bad_change,
    less_or_more,
    month_label,
    number,
    numpy_column,
    peer_median,
    percent,
    readings,
    share,
    t_tail,
    with_noise,
)


def order_drop(frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings) -> pl.DataFrame:
    return level_readings(
        frame, "units_ordered", "order_drop", settings.order_drop, settings.baseline,
        lambda units: pl.format("Ordered {} units", number(units)),
        count="units_ordered", lumps="order_units_sq",
    )  # fmt: skip


def price_index(sku_month: pl.DataFrame, settings: PriceDropSettings) -> pl.DataFrame:
    """Like-for-like price index per dealer-month: each SKU's price against the median of its
    own last `price_months` prices at that dealer, averaged with this month's units as weights.

    A dealer that moves to cheaper products keeps an index near 1: only the same SKU's price
    is ever compared with itself.
    """
    price = pl.col("order_value") / pl.col("units")
    reference = (
        price.shift(1).rolling_median(settings.price_months, min_samples=1).over("dealer_id", "sku")
    )
    with_reference = sku_month.sort("dealer_id", "sku", "month").with_columns(
        (price / reference).alias("relative_price")
    )
    comparable = pl.col("relative_price").is_not_null()
    return with_reference.group_by("dealer_id", "month").agg(
        ((pl.col("relative_price") * pl.col("units")).filter(comparable).sum()
         / pl.col("units").filter(comparable).sum()).alias("price_index"),
        pl.col("units").filter(comparable).sum().alias("comparable_units"),
        (pl.col("units").filter(comparable).sum() / pl.col("units").sum()).alias("coverage"),
        comparable.sum().alias("comparable_skus"),
    )  # fmt: skip


def price_drop(frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings) -> pl.DataFrame:
    """The like-for-like index fell, beyond what the peers' prices did that month (a
    manufacturer-wide price change moves everybody) and beyond the dealer's own wobble."""
    own, baseline = settings.price_drop, settings.baseline
    comparable = (pl.col("coverage") >= own.min_coverage) & (
        pl.col("comparable_units") >= own.min_units
    )
    f = (
        frame.join(price_index(inputs.dealer_sku_month, own), on=["dealer_id", "month"], how="left")
        .sort("dealer_id", "month")
        .with_columns(pl.when(comparable).then(pl.col("price_index")).alias("price_index"))
        .with_columns(peer_median(pl.col("price_index")).fill_null(1.0).alias("peer_index"))
        .with_columns((pl.col("price_index") / pl.col("peer_index")).log().alias("residual"))
    )
    f = with_noise(f, "residual", baseline, "price", floor=MIN_PRICE_NOISE)
    z = (f["residual"] / f["price_noise"]).to_numpy()
    p = t_tail(z, numpy_column(f, "price_dof"), own.direction)
    eligible = pl.col("history") >= own.history_needed(baseline)
    f = f.with_columns(pl.when(eligible).then(pl.Series("p", p)).fill_nan(None).alias("p"))
    change = pl.col("price_index") / pl.col("peer_index") - 1
    return readings(
        f,
        "price_drop",
        own,
        value=pl.col("price_index"),
        expected=pl.col("peer_index"),
        baseline=pl.lit(1.0),
        peer_change=pl.col("peer_index") - 1,
        p_value=pl.col("p"),
        fired=is_bad_change(change, own.min_drop, own.direction),
        critical=is_bad_change(change, own.critical_drop, own.direction),
        explanation=pl.format(
            "Paid {} {} per unit in {} than its own recent prices for the same {} SKU(s) "
            "(like-for-like index {}); peers in {} moved {} that month.",
            share(change),
            less_or_more(change),
            month_label(pl.col("month")),
            pl.col("comparable_skus"),
            number(pl.col("price_index"), 2),
            pl.col("peer_group"),
            percent(pl.col("peer_index") - 1),
        ),
    )
