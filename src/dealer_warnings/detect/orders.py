"""Sell-in indicators: the dealer orders much less (`order_drop`) or pays less per unit for
the same products (`price_drop`)."""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import BaselineSettings, DropSettings, PriceDropSettings
from dealer_warnings.detect.signals import (
    as_alerts,
    drop_alerts,
    month_label,
    number,
    peer_median,
    percent,
    score_from_z,
    share,
    with_noise,
)


def order_drop(
    frame: pl.DataFrame, settings: DropSettings, baseline: BaselineSettings
) -> pl.DataFrame:
    return drop_alerts(
        frame, "units_ordered", "order_drop", settings, baseline,
        lambda units: pl.format("Ordered {} units", number(units)), count="units_ordered", lumps="order_units_sq",
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


def price_drop(
    frame: pl.DataFrame,
    sku_month: pl.DataFrame,
    settings: PriceDropSettings,
    baseline: BaselineSettings,
) -> pl.DataFrame:
    """Alerts where the like-for-like index fell, beyond what the peers' prices did that month
    (a manufacturer-wide price change moves everybody) and beyond the dealer's own wobble."""
    comparable = (pl.col("coverage") >= settings.min_coverage) & (
        pl.col("comparable_units") >= settings.min_units
    )
    f = (
        frame.join(price_index(sku_month, settings), on=["dealer_id", "month"], how="left")
        .sort("dealer_id", "month")
        .with_columns(pl.when(comparable).then(pl.col("price_index")).alias("price_index"))
        .with_columns(peer_median(pl.col("price_index")).fill_null(1.0).alias("peer_index"))
        .with_columns((pl.col("price_index") / pl.col("peer_index")).log().alias("price_residual"))
    )
    f = with_noise(f, "price_residual", baseline.noise_months, "price")
    change = pl.col("price_index") / pl.col("peer_index") - 1
    fired = f.with_columns(change.alias("change")).filter(
        (pl.col("history") >= baseline.min_history_months)
        & (pl.col("change") <= -settings.min_drop)
        & (pl.col("price_z") <= -settings.z_warning)
    )
    peer_change = pl.col("peer_index") - 1
    return as_alerts(
        fired.with_columns(
            pl.lit("price_drop").alias("indicator"),
            pl.when(pl.col("change") <= -settings.critical_drop)
            .then(pl.lit("critical"))
            .otherwise(pl.lit("warning"))
            .alias("severity"),
            score_from_z(pl.col("price_z")).alias("score"),
            pl.format(
                "Paid {} less per unit in {} than its own recent prices for the same {} SKU(s) "
                "(like-for-like index {}); peers in {} moved {} that month.",
                share(pl.col("change")),
                month_label(pl.col("month")),
                pl.col("comparable_skus"),
                number(pl.col("price_index"), 2),
                pl.col("peer_group"),
                percent(peer_change),
            ).alias("explanation"),
            pl.col("price_index").alias("value"),
            pl.col("peer_index").alias("expected"),
            pl.lit(1.0).alias("baseline"),
            peer_change.alias("peer_change"),
        )
    )
