"""Sell-out indicator: the revenue the dealer reports selling falls (`sales_drop`)."""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect.drops import level_readings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.signals import number


def sales_drop(frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings) -> pl.DataFrame:
    return level_readings(
        frame, "sales_revenue", "sales_drop", settings.sales_drop, settings.baseline,
        lambda revenue: pl.format("Reported sell-out of {}", number(revenue)), count="sales_units",
    )  # fmt: skip
