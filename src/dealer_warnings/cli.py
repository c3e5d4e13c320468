"""Command line: `dealer-warnings run|backfill|alerts|demo-data|evaluate`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from dealer_warnings import pipeline, warehouse
from dealer_warnings.config import Settings, load_settings
from dealer_warnings.detect import INDICATORS
from dealer_warnings.pipeline import DetectReport, InputError, LoadReport

app = typer.Typer(
    help="Early warnings for channel sales: ranked, explained alerts per dealer.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)

DEFAULT_DB = Path("data/warehouse.duckdb")
InputOpt = Annotated[Path, typer.Option("--input", "-i", help="folder with the input files")]
DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML settings file")]


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except (OSError, ValueError) as error:
        err.print(f"[red]error:[/red] settings: {error}")
        raise typer.Exit(2) from error


def _month(text: str | None, option: str):
    if text is None:
        return None
    try:
        return pipeline.parse_month(text)
    except InputError as error:
        err.print(f"[red]error:[/red] {option}: {error}")
        raise typer.Exit(2) from error


def _load_with_progress(input_dir: Path, db: Path, settings: Settings) -> LoadReport:
    files = sum(1 for p in input_dir.iterdir() if p.is_file()) if input_dir.is_dir() else 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("loading", total=files)

        def on_file(path: Path) -> None:
            progress.update(task, advance=1, description=f"loading {path.name}")

        return pipeline.load(input_dir, db, settings, on_file)


def _print_reports(load_report: LoadReport | None, detect_report: DetectReport) -> None:
    if load_report is not None:
        console.print(load_report.summary(), highlight=False)
    counts = ", ".join(f"{k} {v}" for k, v in detect_report.alerts_by_indicator.items())
    console.print(
        f"\nAlerts {detect_report.first_month:%Y-%m}..{detect_report.last_month:%Y-%m}: {counts}"
    )
    table = Table(title=f"Dealers to call first, {detect_report.last_month:%Y-%m}", show_lines=True)
    for column in ("rank", "dealer", "region", "manager", "risk", "why"):
        table.add_column(column, overflow="fold")
    for row in detect_report.top:
        table.add_row(
            str(row["rank"]),
            f"{row['dealer_id']}\n{row['dealer_name'] or ''}",
            row["region"] or "",
            row["manager_name"] or "",
            f"{row['risk_score']:.1f}",
            row["explanation"],
        )
    console.print(table)


def _fail(error: Exception) -> None:
    err.print(f"[red]error:[/red] {error}")
    raise typer.Exit(2)


@app.command()
def run(
    input_dir: InputOpt,
    db: DbOpt = DEFAULT_DB,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM; default: last complete month")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Load what is new in the input folder, then alert on the as-of month."""
    settings = _settings(config)
    month = _month(as_of, "--as-of")
    try:
        load_report = _load_with_progress(input_dir, db, settings)
        detect_report = pipeline.detect(db, month, settings)
    except (InputError, warehouse.WarehouseBusy) as error:
        _fail(error)
    _print_reports(load_report, detect_report)
    totals = load_report.totals()
    if totals["files_rejected"] and not totals["files_loaded"] and not totals["files_skipped"]:
        raise typer.Exit(1)  # nothing usable arrived: the scheduler should see a failed run


@app.command()
def backfill(
    input_dir: InputOpt,
    start: Annotated[str, typer.Option("--from", help="first month, YYYY-MM")],
    end: Annotated[str, typer.Option("--to", help="last month, YYYY-MM")],
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
) -> None:
    """Alerts for every month in a range, each as a run at that month's end would have seen it."""
    settings = _settings(config)
    first, last = _month(start, "--from"), _month(end, "--to")
    try:
        load_report = _load_with_progress(input_dir, db, settings)
        detect_report = pipeline.backfill_months(db, first, last, settings)
    except (InputError, warehouse.WarehouseBusy) as error:
        _fail(error)
    _print_reports(load_report, detect_report)


@app.command()
def alerts(
    db: DbOpt = DEFAULT_DB,
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM; default: the latest month with alerts")
    ] = None,
    limit: Annotated[int, typer.Option(help="dealers to show")] = 20,
) -> None:
    """Print the ranked dealers of a month from the warehouse."""
    wanted = _month(month, "--month")
    if not db.is_file():
        _fail(InputError(f"warehouse {db} does not exist (run `dealer-warnings run` first)"))
    con = warehouse.connect(db, read_only=True)
    try:
        if wanted is None:
            wanted = warehouse.first_row(con, "SELECT max(month) FROM dealer_risk")[0]
        rows = con.sql(
            "SELECT * FROM ranked_alerts WHERE month = ? ORDER BY rank LIMIT ?",
            params=[wanted, limit],
        ).pl()
        counts = dict(
            con.execute(
                "SELECT indicator, count(*) FROM alerts WHERE month = ? GROUP BY 1", [wanted]
            ).fetchall()
        )
    finally:
        con.close()
    if wanted is None:
        console.print("No alerts in the warehouse yet.")
        return
    _print_reports(None, DetectReport(0, wanted, wanted, counts, rows.to_dicts()))


@app.command()
def evaluate(
    input_dir: InputOpt,
    labels: Annotated[Path, typer.Option(help="labels.csv: dealer_id, month, indicator, kind")],
    db: Annotated[
        Path | None, typer.Option("--db", help="warehouse; default: a temporary one")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="first month; default: 12 months in")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="last month; default: the last with data")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Backfill alerts over the history and score them against labelled events and traps."""
    from dealer_warnings.evaluate import evaluate as score_alerts
    from dealer_warnings.evaluate import read_labels

    settings = _settings(config)
    with tempfile.TemporaryDirectory() as scratch:
        db = db or Path(scratch) / "evaluate.duckdb"
        try:
            pipeline.load(input_dir, db, settings)
            first_data, last_data = pipeline.data_months(db, settings)
            first = _month(start, "--from") or pipeline.add_months(first_data, 12)
            last = _month(end, "--to") or last_data
            pipeline.backfill_months(db, first, last, settings)
            truth = read_labels(labels)
        except (InputError, ValueError, OSError, warehouse.WarehouseBusy) as error:
            _fail(error)
        con = warehouse.connect(db, read_only=True)
        try:
            alert_rows = con.sql(
                "SELECT * FROM alerts WHERE month BETWEEN ? AND ?", params=[first, last]
            ).pl()
            dealer_months = warehouse.first_row(
                con, "SELECT count(*) FROM dealer_month WHERE month BETWEEN ? AND ?", [first, last]
            )[0]
        finally:
            con.close()
    result = score_alerts(alert_rows, truth, dealer_months, INDICATORS)
    table = Table(
        title=f"Alerts {first:%Y-%m}..{last:%Y-%m} against {labels.name} ({dealer_months:,} dealer-months)"
    )
    for column in result.columns:
        table.add_column(
            column.replace("_", " "), justify="left" if column == "indicator" else "right"
        )
    for row in result.iter_rows():
        table.add_row(
            *["-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
        )
    console.print(table)


@app.command()
def bench(
    dealers: Annotated[int, typer.Option(help="dealers in the generated network")] = 3000,
    months: Annotated[int, typer.Option(help="months of history")] = 36,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
    work_dir: Annotated[Path, typer.Option(help="scratch folder for files and warehouse")] = Path(
        "data/bench"
    ),
    out: Annotated[Path, typer.Option(help="JSON file for the figures")] = Path("data/bench.json"),
) -> None:
    """Time the pipeline against a plain DuckDB scan and a naive pandas script, same files."""
    import shutil

    from dealer_warnings.bench import run_benchmark, write_report

    shutil.rmtree(work_dir, ignore_errors=True)
    figures = run_benchmark(dealers, months, seed, work_dir)
    write_report(figures, out)
    table = Table(
        title=f"{dealers:,} dealers x {months} months: {figures['order_lines']:,} order lines, "
        f"{figures['order_csv_mb']} MB of order CSV"
    )
    for column in ("step", "seconds", "peak RSS (MB)"):
        table.add_column(column)
    for step in figures["steps"]:
        table.add_row(step["name"], f"{step['seconds']:.2f}", f"{step['peak_rss_mb']:.0f}")
    console.print(table)
    console.print(", ".join(f"{k} {v}" for k, v in figures["ratios"].items()) + f"; written to {out}")


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option(help="folder to write the demo input into")] = Path(
        "data/demo"
    ),
    dealers: Annotated[int, typer.Option(help="number of dealers")] = 300,
    months: Annotated[int, typer.Option(help="months of history")] = 36,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
) -> None:
    """Write a realistic demo dealer network with labelled events and traps."""
    from dealer_warnings.demo import write_demo

    counts = write_demo(out, dealers=dealers, months=months, seed=seed)
    console.print(
        f"Demo data written to {out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )


if __name__ == "__main__":
    app()
