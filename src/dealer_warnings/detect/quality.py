"""Product quality incidents clustering at a dealer (`quality_spike`)."""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import SpikeSettings
from dealer_warnings.detect.signals import spike_alerts


def quality_spike(frame: pl.DataFrame, settings: SpikeSettings) -> pl.DataFrame:
    return spike_alerts(frame, "quality_incidents", "quality_spike", settings, "quality incidents")
