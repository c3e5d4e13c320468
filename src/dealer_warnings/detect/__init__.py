"""Detection: every indicator compares a dealer-month with the dealer's own past (vertical)
and with its peers in the same month (horizontal), and returns alert rows. Nothing is sent."""

from __future__ import annotations

from datetime import date

import polars as pl

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect.complaints import complaint_spike
from dealer_warnings.detect.orders import order_drop, price_drop
from dealer_warnings.detect.quality import quality_spike
from dealer_warnings.detect.sales import sales_drop
from dealer_warnings.detect.signals import empty_alerts, with_history, with_peer_groups

INDICATORS = ("order_drop", "price_drop", "complaint_spike", "quality_spike", "sales_drop")


def detect_alerts(
    dealer_month: pl.DataFrame,
    dealer_sku_month: pl.DataFrame,
    dealers: pl.DataFrame,
    settings: DetectSettings,
    first_month: date,
    last_month: date,
) -> pl.DataFrame:
    """Alerts of every indicator for the months first_month..last_month.

    `dealer_month` must hold all history up to last_month (earlier months are the baselines);
    rows after a month never influence that month's verdict.
    """
    frame = (
        dealer_month.join(dealers.select("dealer_id", "region", "tier"), on="dealer_id", how="left")
        .sort("dealer_id", "month")
        .pipe(with_history)
        .pipe(with_peer_groups, settings.baseline.min_peer_group)
    )
    parts = [
        order_drop(frame, settings.order_drop, settings.baseline),
        price_drop(frame, dealer_sku_month, settings.price_drop, settings.baseline),
        complaint_spike(frame, settings.complaint_spike),
        quality_spike(frame, settings.quality_spike),
        sales_drop(frame, settings.sales_drop, settings.baseline),
    ]
    alerts = pl.concat([empty_alerts(), *parts])
    return alerts.filter(pl.col("month").is_between(first_month, last_month)).sort(
        "month", "dealer_id", "indicator"
    )
