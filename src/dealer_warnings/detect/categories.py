"""Complaints of one kind rising for a dealer against its peers (`category_spike`): logistics,
packaging or design trouble that a dealer's total complaints may not show yet. Each category
gets its own rate, peers and spread; a region-wide wave (a carrier strike) moves the peers too.
"""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.spikes import spike_readings


def category_spike(
    frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings
) -> pl.DataFrame:
    own = settings.category_spike
    categories = pl.DataFrame({"category": list(own.categories)})
    counts = inputs.dealer_category_month.select("dealer_id", "month", "category", "complaints")
    per_category = (
        frame.select("dealer_id", "month", "history", "peer_group", "orders")
        .join(categories, how="cross")
        .join(counts, on=["dealer_id", "month", "category"], how="left")
        .with_columns(pl.col("complaints").fill_null(0))
        .sort("dealer_id", "category", "month")
    )
    return spike_readings(
        per_category,
        "complaints",
        "category_spike",
        own,
        settings.baseline,
        pl.col("category") + " complaints",
        by=("category",),
        exposures=(None, "orders"),
    )
