"""Detection: every indicator compares a dealer-month with the dealer's own past (vertical)
and with its peers in the same month (horizontal), and returns one reading per dealer-month:
the value, what was expected, how improbable it is, whether it fired and why. Alerts are the
readings that fired. Nothing is sent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import polars as pl

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect.categories import category_spike
from dealer_warnings.detect.complaints import complaint_spike
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.orders import order_drop, price_drop
from dealer_warnings.detect.quality import quality_spike
from dealer_warnings.detect.sales import sales_drop
from dealer_warnings.detect.sellthrough import sellthrough_gap
from dealer_warnings.detect.service import service_overdue
from dealer_warnings.detect.signals import ALERT_COLUMNS, READING_COLUMNS, empty_readings
from dealer_warnings.detect.styles import style_shift

Indicator = Callable[[pl.DataFrame, DetectInput, DetectSettings], pl.DataFrame]
COMPUTE: dict[str, Indicator] = {
    "order_drop": order_drop,
    "price_drop": price_drop,
    "complaint_spike": complaint_spike,
    "quality_spike": quality_spike,
    "sales_drop": sales_drop,
    "service_overdue": service_overdue,
    "sellthrough_gap": sellthrough_gap,
    "category_spike": category_spike,
    "style_shift": style_shift,
}
INDICATORS = tuple(COMPUTE)

__all__ = [
    "ALERT_COLUMNS",
    "INDICATORS",
    "READING_COLUMNS",
    "DetectInput",
    "alerts_of",
    "combine_readings",
    "detect_alerts",
    "detect_readings",
]


def detect_readings(
    inputs: DetectInput, settings: DetectSettings, indicators: Iterable[str] = INDICATORS
) -> pl.DataFrame:
    """Every enabled indicator's reading for every dealer-month with a verdict, all months.

    A month's reading uses only that month and earlier ones; dealers of a region or tier
    with overrides are judged with their own thresholds (against the same peers). Each
    indicator is computed on its own, so `indicators` (a part of them) gives exactly those
    indicators' rows of the whole run: what a partitioned run computes per part.
    """
    jobs: list[tuple[Indicator, pl.DataFrame, DetectSettings, pl.Series | None]] = []
    frames: dict[str, pl.DataFrame] = {}
    for indicator in indicators:
        for variant, dealer_ids in _variants(inputs.dealers, settings, indicator):
            if not getattr(variant, indicator).enabled:
                continue
            key = variant.baseline.model_dump_json()
            if key not in frames:
                frames[key] = inputs.frame(variant.baseline)
            jobs.append((COMPUTE[indicator], frames[key], variant, dealer_ids))

    def run(job: tuple[Indicator, pl.DataFrame, DetectSettings, pl.Series | None]) -> pl.DataFrame:
        compute, frame, variant, dealer_ids = job
        found = compute(frame, inputs, variant)
        if dealer_ids is not None:
            found = found.filter(pl.col("dealer_id").is_in(dealer_ids.implode()))
        return found

    # Polars lets go of the interpreter while it computes, and many of an indicator's steps
    # are too small to keep every core busy: side by side, the indicators take about a
    # quarter less time on two cores (measured at 3,000 dealers).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return combine_readings(pool.map(run, jobs))


def combine_readings(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Readings of disjoint parts (indicators) as one frame, in the order of a whole run."""
    return pl.concat([empty_readings(), *parts]).sort("month", "dealer_id", "indicator")


def alerts_of(readings: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
    """The readings that fired in first..last, as rows of the alerts table."""
    return readings.filter(pl.col("fired") & pl.col("month").is_between(first, last)).select(
        ALERT_COLUMNS
    )


def detect_alerts(
    inputs: DetectInput, settings: DetectSettings, first: date, last: date
) -> pl.DataFrame:
    """Alerts of every indicator for the months first..last (`inputs` must hold all history
    up to last: earlier months are the baselines)."""
    return alerts_of(detect_readings(inputs, settings), first, last)


def _variants(
    dealers: pl.DataFrame, settings: DetectSettings, indicator: str
) -> list[tuple[DetectSettings, pl.Series | None]]:
    """The distinct settings an indicator runs with and the dealers each applies to (None =
    all dealers, when no override touches the indicator)."""
    if not settings.overrides.root:
        return [(settings, None)]
    by_key: dict[str, tuple[DetectSettings, list[str]]] = {}
    groups = dealers.select("region", "tier").unique(maintain_order=True)
    for region, tier in groups.iter_rows():
        variant = settings.for_group(region, tier)
        key = getattr(variant, indicator).model_dump_json() + variant.baseline.model_dump_json()
        members = dealers.filter(
            pl.col("region").eq_missing(region) & pl.col("tier").eq_missing(tier)
        )["dealer_id"].to_list()
        by_key.setdefault(key, (variant, []))[1].extend(members)
    if len(by_key) == 1:
        return [(next(iter(by_key.values()))[0], None)]
    return [(variant, pl.Series(ids, dtype=pl.Utf8)) for variant, ids in by_key.values()]
