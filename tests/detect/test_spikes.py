"""The share test shared by category_spike and service_overdue (spikes.share_tail)."""

from __future__ import annotations

import numpy as np
import polars as pl

from dealer_warnings.config import SpikeSettings
from dealer_warnings.detect.spikes import share_tail


def test_a_count_larger_than_its_cases_is_not_judged_as_a_share():
    # Six overdue of four recent cases: marts that disagree (a case missing from one of
    # them), not a share of 150%. The count test speaks alone there (NaN); six of ten is
    # judged.
    counts = pl.DataFrame(
        {
            "c_value": [6.0, 6.0],
            "c_trials": [4.0, 10.0],
            "c_expected": [0.3, 0.5],
            "c_usual_count": [0.3, 0.5],
            "c_seen": [40.0, 40.0],
        }
    )
    _, tail = share_tail(counts, SpikeSettings())
    assert np.isnan(tail[0])
    assert 0 < tail[1] < 1e-4
