"""The issue's detection targets, measured on data the detectors were not tuned on.

Two sets from the clean-room generator (tests/independent/generator.py) with their own seeds
and sizes go through the real loader, backfill and evaluation (`evaluate_folder`); each target
is one test so a figure that misses shows by name. Recall >= 0.8 is met pooled over twelve
larger sets (0.87), over three sets generated afterwards (0.85) and over three more generated
after the last changes (0.86), but not on every set (0.78 to 0.92); the false alerts per 1000
dealer-months stay under 2 pooled (0.80 to 1.25) but not on every set (0.00 to 2.52), and a
set as small as these two moves by one alert per 1000; both are measured by
`scripts/evaluate_independent.py` (figures in the README), which prints the whole table, not
asserted here.
"""

from __future__ import annotations

import polars as pl
import pytest

from .scoring import Scored, score_generated

SETS = {
    "seed 20261, 110 dealers x 22 months": {"seed": 20261, "dealers": 110, "months": 22},
    "seed 7331, 80 dealers x 24 months": {"seed": 7331, "dealers": 80, "months": 24},
}
PER_DEALER = "all (per dealer)"


@pytest.fixture(scope="module", params=list(SETS))
def scored(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scored:
    return score_generated(tmp_path_factory.mktemp("independent"), **SETS[request.param])


def _dealer_row(scored: Scored) -> dict:
    return scored.figures.filter(pl.col("indicator") == PER_DEALER).row(0, named=True)


def _trap(scored: Scored, indicator: str, note: str) -> dict:
    rows = scored.traps.filter((pl.col("indicator") == indicator) & (pl.col("note") == note))
    assert rows.height == 1 and rows["traps"][0] > 0, f"the set has no {note} traps"
    return rows.row(0, named=True)


def test_dealer_level_precision_is_at_least_0_9(scored: Scored) -> None:
    row = _dealer_row(scored)
    assert row["alerts"] > 0
    assert row["precision"] >= 0.9, scored.figures


def test_no_price_drop_for_dealers_that_only_buy_cheaper_products(scored: Scored) -> None:
    assert _trap(scored, "price_drop", "cheaper_mix")["traps_tripped"] == 0, scored.traps


def test_at_most_3_percent_of_a_dipping_region_get_order_drop(scored: Scored) -> None:
    dip = _trap(scored, "order_drop", "region_dip")
    assert dip["traps_tripped"] <= 0.03 * dip["traps"], scored.traps
