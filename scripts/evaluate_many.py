"""Detection quality over several generated networks, not one: the demo and networks whose
regime (noise, seasonality, sizes, lumpy or smooth sell-out, event strength, regions) is
drawn at random, each written to files, loaded, backfilled and scored like
`dealer-warnings evaluate` does. Prints the mean and the worst figure of each indicator.

    uv run python scripts/evaluate_many.py [--sets 5] [--first-seed 101] [--months 36]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from dealer_warnings.config import load_settings
from dealer_warnings.demo import Regime, generate_demo, varied_regime, write_files
from dealer_warnings.evaluate import evaluate_folder

END_MONTH = date(2026, 10, 1)
DEALER_RANGE = (150, 300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=5, help="networks: the demo + varied ones")
    parser.add_argument("--first-seed", type=int, default=101, help="seed of the first varied one")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--config", type=Path, default=None, help="YAML settings to evaluate")
    args = parser.parse_args()
    settings = load_settings(args.config, {"ingest": {"run_date": date(2026, 10, 31)}})
    labelled, dormancy = [], []
    for i in range(args.sets):
        seed = 7 if i == 0 else args.first_seed + i - 1
        regime = Regime() if i == 0 else varied_regime(seed)
        dealers = 300 if i == 0 else int(np.random.default_rng(seed).integers(*DEALER_RANGE))
        name = "demo" if i == 0 else f"varied {seed}"
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as scratch:
            data = generate_demo(dealers, args.months, seed, END_MONTH, regime)
            write_files(data, Path(scratch) / "input")
            result = evaluate_folder(
                Path(scratch) / "input",
                Path(scratch) / "warehouse.duckdb",
                settings,
                Path(scratch) / "input" / "labels.csv",
            )
        tag = pl.lit(f"{name} ({dealers} dealers)").alias("set")
        labelled.append(result.labelled.with_columns(tag))
        dormancy.append(result.dormancy.with_columns(tag))
        print(f"{name}: {dealers} dealers, {time.monotonic() - started:.0f} s", flush=True)
    print_summary(pl.concat(labelled), pl.concat(dormancy))


def print_summary(labelled: pl.DataFrame, dormancy: pl.DataFrame) -> None:
    print("\nPer set, all indicators per dealer:")
    print(_markdown(
        labelled.filter(pl.col("indicator").str.starts_with("all"))
        .select("set", "events", "found", "recall", "alerts", "false_alerts", "precision",
                "false_per_1000_dealer_months")
    ))  # fmt: skip
    print("\nMean and worst over the sets:")
    print(_markdown(
        labelled.group_by("indicator", maintain_order=True).agg(
            pl.col("events").sum(),
            pl.col("recall").mean().alias("recall mean"),
            pl.col("recall").min().alias("recall worst"),
            pl.col("precision").mean().alias("precision mean"),
            pl.col("precision").min().alias("precision worst"),
            pl.col("false_per_1000_dealer_months").mean().alias("false/1000 mean"),
            pl.col("false_per_1000_dealer_months").max().alias("false/1000 worst"),
            (pl.col("traps_tripped").sum() / pl.col("traps").sum()).alias("traps tripped"),
        )
    ))  # fmt: skip
    print("\nDealers that went dormant (any alert):")
    print(_markdown(
        dormancy.filter(pl.col("indicator") == "any alert")
        .select("set", "went_dormant", "warned", "recall", "mean_lead_months")
    ))  # fmt: skip


def _markdown(frame: pl.DataFrame) -> str:
    def cell(value: object) -> str:
        return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
