"""Print the evaluate table on N labelled sets from the independent generator.

Detection is tuned on the project's demo; this measures it on data generated clean-room from
the contract (tests/independent/generator.py: other noise, sizes and seeds), set by set and
pooled, with the traps broken down by scenario (cheaper_mix, region_dip, ...).

    .venv/bin/python scripts/evaluate_independent.py --sets 3 --dealers 300 --months 36 --seed 100
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.independent.scoring import pooled, score_generated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=2, help="how many data sets")
    parser.add_argument("--dealers", type=int, default=200, help="dealers per set")
    parser.add_argument("--months", type=int, default=30, help="months per set (at least 18)")
    parser.add_argument("--seed", type=int, default=1000, help="seed of the first set; +1 each")
    parser.add_argument("--keep", type=Path, help="keep the sets and warehouses in this folder")
    args = parser.parse_args()
    pl.Config(tbl_rows=40, tbl_cols=20, tbl_width_chars=220, float_precision=2)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        results = []
        for number in range(args.sets):
            seed = args.seed + number
            folder = root / f"set_{seed}"
            result = score_generated(folder, seed, args.dealers, args.months)
            results.append(result)
            print(f"\nset seed={seed}: {args.dealers} dealers x {args.months} months,")
            print(f"{result.dealer_months:,} dealer-months evaluated")
            print(result.figures)
            print(result.traps)
        if len(results) > 1:
            print(f"\nall {len(results)} sets pooled")
            print(pooled(results))


if __name__ == "__main__":
    main()
