"""Risk score and rank per dealer-month: whom to call first."""

from __future__ import annotations

import polars as pl

SEVERITY_WEIGHT = {"warning": 1.0, "critical": 1.5}  # a critical alert counts half as much again


def rank_dealers(alerts: pl.DataFrame) -> pl.DataFrame:
    """One row per (month, dealer) with alerts: risk_score = sum of severity-weighted scores,
    rank 1 = highest risk that month (ties broken by dealer_id so the order is stable)."""
    weighted = pl.col("score") * pl.col("severity").replace_strict(SEVERITY_WEIGHT, default=1.0)
    per_dealer = (
        alerts.with_columns(weighted.alias("weighted"))
        .sort("weighted", descending=True)
        .group_by("month", "dealer_id")
        .agg(
            pl.col("weighted").sum().round(3).alias("risk_score"),
            pl.len().cast(pl.Int32).alias("alerts"),
            pl.col("indicator").str.join(", ").alias("reasons"),
        )
        .sort("month", pl.col("risk_score"), "dealer_id", descending=[False, True, False])
    )
    rank = (pl.int_range(pl.len()) + 1).over("month").cast(pl.Int32)
    return per_dealer.with_columns(rank.alias("rank")).select(
        "month", "dealer_id", "risk_score", "rank", "alerts", "reasons"
    )
