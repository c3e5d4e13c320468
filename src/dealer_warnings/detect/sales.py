"""Sell-out indicator: the revenue the dealer reports selling falls (`sales_drop`)."""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import BaselineSettings, DropSettings
from dealer_warnings.detect.signals import drop_alerts, number


def sales_drop(
    frame: pl.DataFrame, settings: DropSettings, baseline: BaselineSettings
) -> pl.DataFrame:
    return drop_alerts(
        frame, "sales_revenue", "sales_drop", settings, baseline,
        lambda revenue: pl.format("Reported sell-out of {}", number(revenue)), count="sales_units",
    )  # fmt: skip
