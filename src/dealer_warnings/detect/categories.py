"""Complaints of one kind rising for a dealer against its peers (`category_spike`): logistics,
packaging or design trouble that a dealer's total complaints may not show yet. Each category
gets its own rate, peers and spread; a region-wide wave (a carrier strike) moves the peers too.
Categories that one cause feeds together (a delivery problem: logistics and packaging) are also
watched as their sum, a part of its own.

Two tests, either may alert: the count per month and per order (as `complaint_spike`), and the
category's share of all the dealer's complaints against its usual share (disproportionality,
as drug-safety monitoring finds one side effect standing out among the reports). A month that
brings more of every kind (a busy month, a lumpy one) moves counts but not shares, so the
share test sees a rise of one kind through the noise that hides it from the count test.
"""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.spikes import ShareOf, spike_readings


def category_spike(
    frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings
) -> pl.DataFrame:
    own = settings.category_spike
    categories = pl.DataFrame({"category": [*own.categories, *own.combined]})
    counts = inputs.dealer_category_month.select("dealer_id", "month", "category", "complaints")
    everything = counts.group_by("dealer_id", "month").agg(
        pl.col("complaints").sum().alias("all_complaints")
    )
    counts = pl.concat(
        [counts, *(combined(counts, name, parts) for name, parts in own.combined.items())]
    )
    per_category = (
        frame.select("dealer_id", "month", "history", "peer_group", "orders")
        .join(everything, on=["dealer_id", "month"], how="left")
        .join(categories, how="cross")
        .join(counts, on=["dealer_id", "month", "category"], how="left")
        .with_columns(pl.col("complaints", "all_complaints").fill_null(0))
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
        share_of=ShareOf("all_complaints", "complaints"),
    )


def combined(counts: pl.DataFrame, name: str, parts: tuple[str, ...]) -> pl.DataFrame:
    """The complaints of `parts` summed per dealer-month, as the category `name`."""
    return (
        counts.filter(pl.col("category").is_in(list(parts)))
        .group_by("dealer_id", "month")
        .agg(pl.col("complaints").sum())
        .select("dealer_id", "month", pl.lit(name).alias("category"), "complaints")
    )
