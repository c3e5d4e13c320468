"""End-customer complaints and service cases: a jump in their number (`complaint_spike`)."""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.spikes import spike_readings


def complaint_spike(
    frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings
) -> pl.DataFrame:
    own = settings.complaint_spike
    return spike_readings(
        frame, "complaints", "complaint_spike", own, settings.baseline,
        pl.lit("complaints"),
        exposures=(None, "orders"),
    )  # fmt: skip
