"""Benchmark: the pipeline against the floor (a plain DuckDB scan) and a naive pandas script.

Every step runs in its own Python process, so its wall time includes start-up and its peak
RSS is its own; its CPU time (user + system) is reported too, the steadier figure on a machine
others share. The steps run with a warm bytecode cache (in the work folder), as an installed
tool does: compiling the dependencies' sources is not what is measured. The input is the demo generator's network written as CSV and Parquet (no
xlsx: writing Excel would dominate the set-up), with the last month held back so the
incremental nightly run has something new to load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import polars as pl

from dealer_warnings.demo import generate_demo
from dealer_warnings.months import add_months

BACKFILL_MONTHS = 24

# The floor: read every order file and group by dealer and month, nothing else.
SCAN_SCRIPT = """
import sys, duckdb
duckdb.sql(f'''
    select dealer_id, date_trunc('month', order_date) as month,
           sum(quantity) as units, sum(quantity * unit_price) as value
    from read_csv('{sys.argv[1]}/orders_*.csv')
    group by all
''').fetchall()
"""

# What a spreadsheet-minded script does: read everything, month-over-month thresholds.
NAIVE_PANDAS_SCRIPT = """
import sys, glob, pandas as pd
orders = pd.concat(pd.read_csv(f, parse_dates=['order_date']) for f in sorted(glob.glob(f'{sys.argv[1]}/orders_*.csv')))
orders['month'] = orders['order_date'].dt.to_period('M')
orders['value'] = orders['quantity'] * orders['unit_price']
monthly = orders.groupby(['dealer_id', 'month'])[['quantity', 'value']].sum().reset_index()
monthly['price'] = monthly['value'] / monthly['quantity']
previous = monthly.groupby('dealer_id')[['quantity', 'price']].shift(1)
alerts = monthly[(monthly['quantity'] < 0.6 * previous['quantity']) | (monthly['price'] < 0.9 * previous['price'])]
print(len(alerts))
"""


# Imported once before the timed steps, so that every step finds their bytecode compiled.
WARM_UP_SCRIPT = "import dealer_warnings.cli, dealer_warnings.pipeline, great_expectations, pandas"


@dataclass
class Step:
    name: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def write_inputs(dealers: int, months: int, seed: int, folder: Path) -> tuple[Path, Path, str]:
    """The network as files: `base/` without the last month, `new/` with that month's orders.

    Returns the two folders and the held-back month (YYYY-MM).
    """
    data = generate_demo(dealers=dealers, months=months, seed=seed)
    last = f"{data.end_month:%Y-%m}"
    base, new = folder / "base", folder / "new"
    for path in (base, new):
        path.mkdir(parents=True, exist_ok=True)
    data.dealers.write_csv(base / "dealers.csv")
    month = pl.col("order_date").cast(pl.Utf8).str.slice(0, 7)
    for (label,), part in data.orders.with_columns(month.alias("_month")).group_by("_month"):
        target = new if label == last else base
        part.drop("_month").write_csv(target / f"orders_{label}.csv")
    for name in ("sales", "complaints", "quality"):
        frame = getattr(data, name)
        date = (
            "month"
            if name == "sales"
            else {"complaints": "opened_on", "quality": "reported_on"}[name]
        )
        before = frame.filter(pl.col(date).cast(pl.Utf8).str.slice(0, 7) < last)
        before.write_parquet(base / f"{name}_history.parquet")
        frame.filter(pl.col(date).cast(pl.Utf8).str.slice(0, 7) == last).write_parquet(
            new / f"{name}_{last}.parquet"
        )
    return base, new, last


def child_env(pycache: Path) -> dict[str, str]:
    """The environment of the timed steps: bytecode cached in `pycache`, even where the
    environment turns writing it off (PYTHONDONTWRITEBYTECODE)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(pycache)}


def timed(name: str, command: list[str], env: dict[str, str] | None = None) -> Step:
    """Run a command; its wall time, and that child's own CPU time and peak RSS (os.wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command)
    cpu = usage.ru_utime + usage.ru_stime
    return Step(name, round(seconds, 2), round(cpu, 2), round(usage.ru_maxrss / 1024, 1))  # KiB


def run_benchmark(dealers: int, months: int, seed: int, folder: Path) -> dict:
    """Generate, then time each step on the same files; returns figures and ratios."""
    started = time.perf_counter()
    # Generated in a child process: a child forked from a parent that had held the whole
    # network in memory would report that parent's peak RSS as its own.
    last = subprocess.run(
        [
            sys.executable,
            "-m",
            "dealer_warnings.bench",
            str(dealers),
            str(months),
            str(seed),
            str(folder),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    base, new = folder / "base", folder / "new"
    order_lines = sum(
        pl.scan_csv(p).select(pl.len()).collect().item() for p in base.glob("orders_*.csv")
    )
    csv_mb = sum(p.stat().st_size for p in base.glob("orders_*.csv")) / 1e6
    setup = time.perf_counter() - started
    db = folder / "bench.duckdb"
    db.unlink(missing_ok=True)
    env = child_env(folder / "pycache")
    subprocess.run([sys.executable, "-c", WARM_UP_SCRIPT], check=True, env=env)
    cli = [sys.executable, "-m", "dealer_warnings.cli"]
    last_base = add_months(date.fromisoformat(f"{last}-01"), -1)
    first = add_months(last_base, -(BACKFILL_MONTHS - 1))
    steps = [
        timed("duckdb_scan", [sys.executable, "-c", SCAN_SCRIPT, str(base)], env),
        timed(
            "full_load_and_backfill",
            [
                *cli,
                "backfill",
                "--input",
                str(base),
                "--db",
                str(db),
                "--from",
                f"{first:%Y-%m}",
                "--to",
                f"{last_base:%Y-%m}",
            ],
            env,
        ),
    ]
    for path in new.iterdir():  # the new month's files arrive next to the old ones
        path.rename(base / path.name)
    steps.append(
        timed(
            "incremental_nightly",
            [*cli, "run", "--input", str(base), "--db", str(db), "--as-of", last],
            env,
        )
    )
    steps.append(timed("naive_pandas", [sys.executable, "-c", NAIVE_PANDAS_SCRIPT, str(base)], env))
    by_name = {s.name: s for s in steps}
    return {
        "dealers": dealers,
        "months": months,
        "order_lines": order_lines,
        "order_csv_mb": round(csv_mb, 1),
        "setup_seconds": round(setup, 1),
        "steps": [asdict(s) for s in steps],
        "ratios": ratios({n: s.seconds for n, s in by_name.items()}),
        "cpu_ratios": ratios({n: s.cpu_seconds for n, s in by_name.items()}),
    }


def ratios(seconds: dict[str, float]) -> dict[str, float]:
    """The issue's targets: full <= 3x scan, incremental <= 0.25x full, full <= naive pandas."""
    full = seconds["full_load_and_backfill"]
    return {
        "full_vs_scan": round(full / seconds["duckdb_scan"], 2),
        "incremental_vs_full": round(seconds["incremental_nightly"] / full, 3),
        "full_vs_naive_pandas": round(full / seconds["naive_pandas"], 2),
    }


def write_report(figures: dict, path: Path) -> None:
    path.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":  # python -m dealer_warnings.bench DEALERS MONTHS SEED FOLDER
    count, span, random_seed = map(int, sys.argv[1:4])
    print(write_inputs(count, span, random_seed, Path(sys.argv[4]))[2])
