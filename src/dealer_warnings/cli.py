"""Command line: `dealer-warnings run|backfill|alerts|explain|schema|report|publish|demo-data|evaluate`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import duckdb
import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from dealer_warnings import pipeline, validate, warehouse
from dealer_warnings.config import Settings, load_settings
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


Result = TypeVar("Result")


def _with_progress(input_dir: Path, step: Callable[[Callable[[Path], None]], Result]) -> Result:
    """`step(on_file)` under a progress bar that advances with each input file."""
    files = sum(1 for p in input_dir.iterdir() if p.is_file()) if input_dir.is_dir() else 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("loading", total=files)

        def on_file(path: Path) -> None:
            progress.update(task, advance=1, description=f"loading {path.name}")

        return step(on_file)


def _load_with_progress(input_dir: Path, db: Path, settings: Settings) -> LoadReport:
    return _with_progress(
        input_dir, lambda on_file: pipeline.load(input_dir, db, settings, on_file)
    )


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


def _print_published(published: Path) -> None:
    console.print(f"\nAnalysts: open {published} read-only (duckdb -readonly {published}).")


def _fail(error: Exception, exit_code: int = 2) -> None:
    """Print the error; exit 2 for a usage problem (the default), 1 for a run that failed."""
    # One line, however long (a scheduler's log greps it), and no markup read into the text.
    err.print(Text.assemble(("error:", "red"), f" {error}"), soft_wrap=True)
    raise typer.Exit(exit_code)


@app.command()
def run(
    input_dir: InputOpt,
    db: DbOpt = DEFAULT_DB,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM; default: last complete month")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Load what is new in the input folder, then alert on the as-of month (one transaction).

    Exit code 0: the run succeeded (quarantined rows included); 1: it failed (no usable file
    arrived, the marts failed validation, another run held the warehouse too long); 2: usage.
    """
    settings = _settings(config)
    month = _month(as_of, "--as-of")
    try:
        result = _with_progress(
            input_dir, lambda on_file: pipeline.run(input_dir, db, month, settings, on_file)
        )
        published = warehouse.publish(db, settings.warehouse)
    except (InputError, warehouse.WarehouseUnavailable) as error:
        _fail(error)
    except (warehouse.WarehouseBusy, validate.MartsInvalid, validate.ValidationBroken) as error:
        _fail(error, exit_code=1)
    _print_reports(result.load, result.detect)
    _print_published(published)
    totals = result.load.totals()
    if totals["files_rejected"] and not totals["files_loaded"] and not totals["files_skipped"]:
        raise typer.Exit(1)  # nothing usable arrived: the scheduler should see a failed run


@app.command()
def quarantine(
    db: DbOpt = DEFAULT_DB,
    file: Annotated[
        str | None, typer.Option("--file", help="only this input file (its name in the folder)")
    ] = None,
    limit: Annotated[int, typer.Option(help="rows to show")] = 50,
) -> None:
    """List quarantined rows: file, line, column, value and why, newest load first."""
    if not db.is_file():
        _fail(InputError(f"warehouse {db} does not exist (run `dealer-warnings run` first)"))
    try:
        con = warehouse.connect(db, read_only=True)
    except (warehouse.WarehouseBusy, warehouse.WarehouseUnavailable) as error:
        _fail(error, exit_code=1)
    try:
        rows = con.sql(
            warehouse.sql_text("queries/quarantined_rows.sql"),
            params={"file": file, "limit": limit},
        ).pl()
    finally:
        con.close()
    if rows.is_empty():
        console.print(f"No quarantined rows{f' from {file}' if file else ''} in {db}.")
        return
    table = Table(title=f"Quarantined rows: {rows['total'][0]:,}, showing {rows.height:,}")
    for column in ("file", "line", "column", "value", "reason"):
        table.add_column(column, overflow="fold")
    for row in rows.iter_rows(named=True):
        table.add_row(
            row["file_name"],
            str(row["line"]),
            row["column_name"] or "",
            row["value"] or "",
            row["reason"],
        )
    console.print(table)


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
        published = warehouse.publish(db, settings.warehouse)
    except (InputError, warehouse.WarehouseBusy) as error:
        _fail(error)
    _print_reports(load_report, detect_report)
    _print_published(published)


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
def schema(
    name: Annotated[str | None, typer.Argument(help="one table or view; default: all")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Print the documented tables and views: grain, columns, meaning and unit."""
    if db.is_file():
        try:
            con = warehouse.connect(db, read_only=True)
        except warehouse.WarehouseBusy as error:
            _fail_busy(error, db)
        except warehouse.WarehouseUnavailable as error:
            _fail(error)
    else:
        console.print(f"{db} does not exist yet; the schema a run creates:")
        con = duckdb.connect()
        warehouse.migrate(con)
    try:
        rows = con.sql(warehouse.sql_text("queries/documented_objects.sql")).pl()
    finally:
        con.close()
    if name is not None:
        rows = rows.filter(pl.col("name") == name)
        if rows.is_empty():
            _fail(InputError(f"no documented table or view named {name!r} in {db}"))
    for (object_name, kind, comment), columns in rows.group_by(
        "name", "kind", "comment", maintain_order=True
    ):
        console.print(f"\n[bold]{object_name}[/bold] ({kind}): {comment}", highlight=False)
        table = Table()
        for column in ("column", "type", "meaning and unit"):
            table.add_column(column, overflow="fold")
        for column in columns.iter_rows(named=True):
            table.add_row(
                column["column_name"], column["data_type"], column["column_comment"] or ""
            )
        console.print(table)


@app.command()
def report(
    month: Annotated[str, typer.Option(help="the month to report, YYYY-MM")],
    out: Annotated[Path, typer.Option(help="folder to write the report into")] = Path(
        "data/report"
    ),
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
) -> None:
    """Write a static HTML report of a month that opens offline: ranked alerts, a page per
    flagged dealer against its peers, the regions."""
    from dealer_warnings.report import write_report

    settings = _settings(config)
    try:
        index = write_report(db, _month(month, "--month"), out, settings)
    except warehouse.WarehouseBusy as error:
        _fail_busy(error, db)
    except (InputError, warehouse.WarehouseUnavailable) as error:
        _fail(error)
    console.print(f"Report written: {index}")


def _fail_busy(error: warehouse.WarehouseBusy, db: Path) -> None:
    """A run holds the warehouse: point to the published copy, which stays readable."""
    published = warehouse.published_path(db)
    _fail(InputError(f"{error}; or read the published copy: --db {published}"), exit_code=1)


@app.command()
def publish(db: DbOpt = DEFAULT_DB, config: ConfigOpt = None) -> None:
    """Copy the warehouse to the read-only file analysts open (`run` does it after each run)."""
    settings = _settings(config)
    try:
        published = warehouse.publish(db, settings.warehouse)
    except warehouse.WarehouseBusy as error:
        _fail(error, exit_code=1)
    except (FileNotFoundError, warehouse.WarehouseUnavailable) as error:
        _fail(error)
    _print_published(published)


@app.command()
def evaluate(
    input_dir: InputOpt,
    labels: Annotated[
        Path | None,
        typer.Option(
            help="labels.csv: dealer_id, month, indicator, kind; without it only the "
            "dormancy outcome (dealers that stopped ordering) is scored"
        ),
    ] = None,
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
    """Backfill alerts over the history and score them: against labelled events and traps,
    and against what happened next (dealers that went dormant)."""
    from dealer_warnings.evaluate import evaluate_folder

    settings = _settings(config)
    first, last = _month(start, "--from"), _month(end, "--to")
    with tempfile.TemporaryDirectory() as scratch:
        try:
            result = evaluate_folder(
                input_dir, db or Path(scratch) / "evaluate.duckdb", settings, labels, first, last
            )
        except (InputError, ValueError, OSError, warehouse.WarehouseBusy) as error:
            _fail(error)
    period = f"{result.first:%Y-%m}..{result.last:%Y-%m} ({result.dealer_months:,} dealer-months)"
    if result.labelled is not None:
        console.print(_figures_table(result.labelled, f"Alerts {period} against {labels.name}"))
    console.print(
        _figures_table(result.dormancy, f"Alerts {period} against dealers that went dormant")
    )


def _figures_table(figures: pl.DataFrame, title: str) -> Table:
    table = Table(title=title)
    for column in figures.columns:
        table.add_column(
            column.replace("_", " "), justify="left" if column == "indicator" else "right"
        )
    for row in figures.iter_rows():
        table.add_row(
            *["-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
        )
    return table


@app.command()
def explain(
    dealer: Annotated[str, typer.Argument(help="dealer_id")],
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM; default: the latest month computed")
    ] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Why a dealer ranks where it does: its numbers, every indicator's expectation, peers and
    probability, each part of its risk score, and the SKUs, styles or complaint categories that
    drove each alert."""
    from dealer_warnings.explain import explain_dealer

    wanted = _month(month, "--month")
    if not db.is_file():
        _fail(InputError(f"warehouse {db} does not exist (run `dealer-warnings run` first)"))
    con = warehouse.connect(db, read_only=True)
    try:
        found = explain_dealer(con, dealer, wanted)
    except InputError as error:
        _fail(error)
    finally:
        con.close()
    console.print(found.headline, highlight=False)
    console.print(_figures_table(found.history, f"{dealer}: the last 13 months"))
    console.print(
        _figures_table(found.indicators, f"{dealer}: every indicator, {found.month:%b %Y}")
    )
    if found.parts.height:
        console.print(_figures_table(found.parts, f"{dealer}: the parts of its risk score"))
    if found.drilldown.height:
        title = f"{dealer}: what drove each alert (vs. the mean of the 6 months before)"
        console.print(_figures_table(found.drilldown, title))


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
    for column in ("step", "seconds", "CPU seconds", "peak RSS (MB)"):
        table.add_column(column)
    for step in figures["steps"]:
        table.add_row(
            step["name"],
            f"{step['seconds']:.2f}",
            f"{step['cpu_seconds']:.2f}",
            f"{step['peak_rss_mb']:.0f}",
        )
    console.print(table)
    console.print(", ".join(f"{k} {v}" for k, v in figures["ratios"].items()))
    console.print(
        "by CPU time: "
        + ", ".join(f"{k} {v}" for k, v in figures["cpu_ratios"].items())
        + f"; written to {out}"
    )


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option(help="folder to write the demo input into")] = Path(
        "data/demo"
    ),
    dealers: Annotated[int, typer.Option(help="number of dealers")] = 300,
    months: Annotated[int, typer.Option(help="months of history")] = 36,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
    end: Annotated[
        str | None,
        typer.Option(help="last month, YYYY-MM; default: the last complete month"),
    ] = None,
    varied: Annotated[
        bool,
        typer.Option(
            help="draw the network's regime from the seed too (noise, seasonality, sizes, "
            "lumpy or smooth sell-out, event strength) instead of the demo's"
        ),
    ] = False,
) -> None:
    """Write a realistic demo dealer network with labelled events and traps."""
    from dealer_warnings.demo import varied_regime, write_demo

    regime = varied_regime(seed) if varied else None
    end_month = _month(end, "--end")
    try:
        counts = write_demo(out, dealers, months, seed, end_month, regime)
    except ValueError as error:  # a network too small or too short for the demo's events
        _fail(error)
    console.print(
        f"Demo data written to {out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )


@app.command()
def notify(
    db: DbOpt = DEFAULT_DB,
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM; default: the last complete month")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """E-mail each dealer's people what changed in the month's alerts; retry undelivered e-mails."""
    settings = _settings(config)
    wanted = _month(month, "--month")
    if not db.is_file():
        _fail(InputError(f"warehouse {db} does not exist (run `dealer-warnings run` first)"))
    try:
        report = pipeline.notify(db, wanted, settings)
    except (ValueError, OSError, warehouse.WarehouseBusy) as error:
        _fail(error)
    console.print(report.summary(), highlight=False)


DealerArg = Annotated[str, typer.Argument(help="dealer_id, e.g. D00017")]
IndicatorArg = Annotated[str, typer.Argument(help="e.g. price_drop")]
NoteOpt = Annotated[str | None, typer.Option(help="why, for whoever reads alert_silences")]


def _silence(
    kind: str,
    dealer: str,
    indicator: str,
    days: int | None,
    note: str | None,
    db: Path,
    config: Path | None,
) -> None:
    from dealer_warnings.notify import silence

    settings = _settings(config)
    if not db.is_file():
        _fail(InputError(f"warehouse {db} does not exist (run `dealer-warnings run` first)"))
    try:
        con = warehouse.connect(db, settings.warehouse)
        try:
            warehouse.migrate(con)
            console.print(
                silence(con, dealer, indicator, kind, pipeline.run_date(settings), days, note)
            )
        finally:
            con.close()
    except (ValueError, warehouse.WarehouseBusy) as error:
        _fail(error)


@app.command()
def ack(
    dealer: DealerArg,
    indicator: IndicatorArg,
    days: Annotated[int | None, typer.Option(min=1, help="at most this many days")] = None,
    note: NoteOpt = None,
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
) -> None:
    """Acknowledge a dealer's problem: no repeats until it resolves or gets worse."""
    _silence("ack", dealer, indicator, days, note, db, config)


@app.command()
def snooze(
    dealer: DealerArg,
    indicator: IndicatorArg,
    days: Annotated[int, typer.Option(min=1, help="days without repeats")] = 7,
    note: NoteOpt = None,
    db: DbOpt = DEFAULT_DB,
    config: ConfigOpt = None,
) -> None:
    """Mute a dealer's indicator for some days: only what gets worse comes through."""
    _silence("snooze", dealer, indicator, days, note, db, config)


if __name__ == "__main__":
    app()
