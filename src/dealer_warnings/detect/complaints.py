"""End-customer complaints and service cases: a jump in their number (`complaint_spike`)."""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import SpikeSettings
from dealer_warnings.detect.signals import spike_alerts


def complaint_spike(frame: pl.DataFrame, settings: SpikeSettings) -> pl.DataFrame:
    return spike_alerts(frame, "complaints", "complaint_spike", settings, "complaints")
