"""Product quality incidents clustering at a dealer (`quality_spike`)."""

from __future__ import annotations

import polars as pl

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.spikes import spike_readings


def quality_spike(
    frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings
) -> pl.DataFrame:
    own = settings.quality_spike
    return spike_readings(
        frame, "quality_incidents", "quality_spike", own, settings.baseline,
        pl.lit("quality incidents"),
        exposures=(None, "orders"),
    )  # fmt: skip
