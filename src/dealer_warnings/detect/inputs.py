"""What detection reads: the monthly marts up to the as-of month, and the dealers.

The case, category, style and defect marts are optional (empty by default), so a small test can hand
over only what its indicator needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from dealer_warnings.config import BaselineSettings
from dealer_warnings.detect.signals import with_history, with_peer_groups

CATEGORY_MONTH = {
    "dealer_id": pl.Utf8,
    "month": pl.Date,
    "category": pl.Utf8,
    "complaints": pl.Int64,
}
CASE_MONTH = {"dealer_id": pl.Utf8, "month": pl.Date, "complaint_id": pl.Utf8, "age_days": pl.Int64}
STYLE_MONTH = {
    "dealer_id": pl.Utf8, "month": pl.Date, "style": pl.Utf8, "lines": pl.Int64, "units": pl.Int64,
}  # fmt: skip
DEFECT_MONTH = {
    "dealer_id": pl.Utf8, "month": pl.Date, "sku": pl.Utf8, "defect_type": pl.Utf8,
    "incidents": pl.Int64,
}  # fmt: skip


@dataclass(frozen=True)
class DetectInput:
    dealer_month: pl.DataFrame  # one row per dealer and month, zero-filled
    dealer_sku_month: pl.DataFrame  # dealer_id, sku, month, units, order_value
    dealers: pl.DataFrame  # dealer_id, region, tier
    dealer_category_month: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=CATEGORY_MONTH)
    )  # complaints opened per category
    dealer_case_month: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=CASE_MONTH)
    )  # cases open at each month end, with their age
    dealer_style_month: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=STYLE_MONTH)
    )  # order lines and units per style
    dealer_defect_month: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=DEFECT_MONTH)
    )  # quality incidents per SKU and defect type

    def frame(self, baseline: BaselineSettings) -> pl.DataFrame:
        """dealer_month with region, tier, history and peer group: what indicators start from."""
        return (
            self.dealer_month.join(
                self.dealers.select("dealer_id", "region", "tier"), on="dealer_id", how="left"
            )
            .sort("dealer_id", "month")
            .pipe(with_history)
            .pipe(with_peer_groups, baseline)
        )
