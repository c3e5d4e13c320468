"""Run the real evaluation on an independent data set and break the traps down by scenario."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dealer_warnings import warehouse
from dealer_warnings.config import Settings
from dealer_warnings.evaluate import evaluate, evaluate_folder, read_labels

from .generator import generate

SUMMED = ("events", "pending", "found", "alerts", "false_alerts", "traps", "traps_tripped")


@dataclass(frozen=True)
class Scored:
    """The evaluate table, the traps per scenario (`note`) and the months it covers."""

    figures: pl.DataFrame
    traps: pl.DataFrame
    dealer_months: int


def score_generated(
    folder: Path, seed: int, dealers: int, months: int, settings: Settings | None = None
) -> Scored:
    """Generate a set into `folder`/input, backfill it with `evaluate_folder` and score it."""
    settings = settings or Settings()
    labels_path = generate(seed=seed, dealers=dealers, months=months).write(folder / "input")
    db = folder / "evaluate.duckdb"
    result = evaluate_folder(folder / "input", db, settings, labels_path)
    con = warehouse.connect(db, settings.warehouse, read_only=True)
    try:
        alerts = con.sql(
            "SELECT month, dealer_id, indicator FROM alerts WHERE month BETWEEN ? AND ?",
            params=[result.first, result.last],
        ).pl()
    finally:
        con.close()
    labels = read_labels(labels_path)
    traps = [
        evaluate(alerts, part, result.dealer_months, (indicator,), result.first, result.last)
        .head(1)
        .select("indicator", "traps", "traps_tripped")
        .with_columns(pl.lit(note).alias("note"))
        for (indicator, note), part in labels.filter(pl.col("kind") == "trap").group_by(
            "indicator", "note"
        )
    ]
    trap_table = pl.concat(traps).filter(pl.col("traps") > 0).sort("indicator", "note")
    return Scored(result.labelled, trap_table, result.dealer_months)


def pooled(sets: list[Scored]) -> pl.DataFrame:
    """Several sets' evaluate tables as one: counts summed, the ratios computed again."""
    dealer_months = sum(one.dealer_months for one in sets)
    false_count = pl.col("false_per_1000_dealer_months") * pl.col("_dealer_months") / 1000
    summed = (
        pl.concat(
            one.figures.with_columns(pl.lit(one.dealer_months).alias("_dealer_months"))
            for one in sets
        )
        .with_columns(false_count.alias("_false"))
        .group_by("indicator", maintain_order=True)
        .agg(pl.col(*SUMMED, "_false").sum())
    )
    return summed.with_columns(
        (pl.col("found") / pl.col("events")).alias("recall"),
        ((pl.col("alerts") - pl.col("false_alerts")) / pl.col("alerts")).alias("precision"),
        (1000 * pl.col("_false") / dealer_months).alias("false_per_1000_dealer_months"),
    ).select(sets[0].figures.columns)
