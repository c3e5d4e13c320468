"""Risk score and rank per dealer-month: whom to call first.

risk_score = alert points + outlier points, both in the unit of an alert's score (-log10 of
a tail probability: 3 = one in a thousand):
- alert points: each alert's score, a critical alert weighing SEVERITY_WEIGHT more;
- outlier points: how rare a dealer-month this unusual is when all its indicator scores are
  judged together (an IsolationForest fit on every dealer's previous `TRAIN_MONTHS` months,
  never on the month itself or later ones): three indicators each a little off can together
  be rarer than any one alone.
Only dealers with an alert are ranked; rank 1 = the highest risk that month. Every part is
kept (`risk_parts`), so the ranking can be explained.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

SEVERITY_WEIGHT = {"warning": 1.0, "critical": 1.5}  # a critical alert counts half as much again
OUTLIER_WEIGHT = 1.0  # an outlier point counts like an alert point
OUTLIER = "outlier"  # the name of the outlier part
TRAIN_MONTHS = 12  # months of every dealer's scores the forest learns what is usual from
MIN_TRAINING_ROWS = 50  # fewer dealer-months than this: no outlier part yet
FOREST_TREES = 100
FOREST_SEED = 0  # a fixed seed: the same data always gives the same ranking
# The training dealer-months the current ones are compared with: a seeded sample of at most
# this many (rarity to 1 in 5,000; scoring every one of 36,000 cost seconds a month).
REFERENCE_ROWS = 5_000
DRIVERS = 2  # indicators named as what makes a dealer-month unusual
PART_COLUMNS = {
    "month": pl.Date,
    "dealer_id": pl.Utf8,
    "part": pl.Utf8,
    "score": pl.Float64,
    "weight": pl.Float64,
    "points": pl.Float64,
    "detail": pl.Utf8,
}
OUTLIER_COLUMNS = {
    "month": pl.Date,
    "dealer_id": pl.Utf8,
    "outlier_score": pl.Float64,
    "detail": pl.Utf8,
}


def score_matrix(readings: pl.DataFrame, indicators: tuple[str, ...]) -> pl.DataFrame:
    """One row per dealer-month with a reading, one column per indicator's score (0 where
    the indicator had no verdict)."""
    wide = readings.pivot(on="indicator", index=["month", "dealer_id"], values="score")
    missing = [pl.lit(0.0).alias(name) for name in indicators if name not in wide.columns]
    return (
        wide.with_columns(missing)
        .select("month", "dealer_id", *[pl.col(name).fill_null(0.0) for name in indicators])
        .sort("month", "dealer_id")
    )


def outlier_scores(
    readings: pl.DataFrame,
    indicators: tuple[str, ...],
    first: date,
    last: date,
    scored: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per dealer-month of first..last (of `scored`'s month and dealer_id only, when given):
    -log10 of the share of the previous TRAIN_MONTHS months' dealer-months at least as unusual
    (by the forest fit on them), and a sentence."""
    from sklearn.ensemble import IsolationForest  # here: importing it takes a second

    scores = score_matrix(readings, indicators)
    months = scores.filter(pl.col("month").is_between(first, last))["month"].unique().sort()
    parts = [pl.DataFrame(schema=OUTLIER_COLUMNS)]
    for month in months:
        start = month.replace(year=month.year - TRAIN_MONTHS // 12)
        training = scores.filter(pl.col("month").is_between(start, month, closed="left"))
        current = scores.filter(pl.col("month") == month)
        if scored is not None:
            current = current.join(scored, on=["month", "dealer_id"], how="semi")
        if training.height < MIN_TRAINING_ROWS or current.height == 0:
            continue
        forest = IsolationForest(n_estimators=FOREST_TREES, random_state=FOREST_SEED)
        forest.fit(training.select(indicators).to_numpy())
        reference = training.sample(min(training.height, REFERENCE_ROWS), seed=FOREST_SEED)
        usual = np.sort(-forest.score_samples(reference.select(indicators).to_numpy()))
        now = -forest.score_samples(current.select(indicators).to_numpy())
        as_unusual = len(usual) - np.searchsorted(usual, now, side="left")
        rarity = (as_unusual + 1) / (len(usual) + 1)
        parts.append(
            current.select("month", "dealer_id").with_columns(
                pl.Series("outlier_score", -np.log10(rarity)),
                pl.Series("detail", _outlier_sentences(current, indicators, rarity)),
            )
        )
    return pl.concat(parts)


def _outlier_sentences(
    current: pl.DataFrame, indicators: tuple[str, ...], rarity: np.ndarray
) -> list[str]:
    values = current.select(indicators).to_numpy()
    sentences = []
    for row, share in zip(values, rarity, strict=True):
        top = np.argsort(-row)[:DRIVERS]
        drivers = ", ".join(f"{indicators[i]} {row[i]:.1f}" for i in top if row[i] > 0)
        sentences.append(
            f"Taken together its indicator scores are more unusual than {1 - share:.1%} of "
            f"all dealer-months of the last {TRAIN_MONTHS} months"
            + (f" (highest: {drivers})." if drivers else ".")
        )
    return sentences


def risk_parts(alerts: pl.DataFrame, outliers: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per part of each alerting dealer-month's risk score: its alerts, then the
    outlier part; points = score x weight, and they add up to the risk score."""
    weight = pl.col("severity").replace_strict(
        SEVERITY_WEIGHT, default=1.0, return_dtype=pl.Float64
    )
    alert_parts = alerts.select(
        "month",
        "dealer_id",
        pl.col("indicator").alias("part"),
        "score",
        weight.alias("weight"),
        (pl.col("score") * weight).alias("points"),
        pl.col("explanation").alias("detail"),
    )
    if outliers is None:
        outliers = pl.DataFrame(schema=OUTLIER_COLUMNS)
    outlier_parts = outliers.join(
        alert_parts.select("month", "dealer_id").unique(), on=["month", "dealer_id"], how="semi"
    ).select(
        "month",
        "dealer_id",
        pl.lit(OUTLIER).alias("part"),
        pl.col("outlier_score").alias("score"),
        pl.lit(OUTLIER_WEIGHT).alias("weight"),
        (pl.col("outlier_score") * OUTLIER_WEIGHT).alias("points"),
        "detail",
    )
    return pl.concat(
        [pl.DataFrame(schema=PART_COLUMNS), alert_parts, outlier_parts], how="vertical_relaxed"
    ).sort("month", "dealer_id", "points", descending=[False, False, True])


def rank_dealers(parts: pl.DataFrame) -> pl.DataFrame:
    """One row per (month, dealer) with alerts, from its `risk_parts`: risk_score = the sum of
    its parts' points, rank 1 = highest risk that month (ties broken by dealer_id so the order
    is stable)."""
    is_alert = pl.col("part") != OUTLIER
    per_dealer = (
        parts.group_by("month", "dealer_id")
        .agg(
            pl.col("points").sum().round(3).alias("risk_score"),
            is_alert.sum().cast(pl.Int32).alias("alerts"),
            pl.col("part").filter(is_alert).str.join(", ").alias("reasons"),
            pl.col("points").filter(~is_alert).sum().round(3).alias("outlier_points"),
        )
        .sort("month", "risk_score", "dealer_id", descending=[False, True, False])
    )
    rank = (pl.int_range(pl.len()) + 1).over("month").cast(pl.Int32)
    return per_dealer.with_columns(rank.alias("rank")).select(
        "month", "dealer_id", "risk_score", "rank", "alerts", "reasons", "outlier_points"
    )
