"""The second, independent check of what a run writes, with great-expectations (GX) 1.x.

Two boundaries:
- incoming rows: the contract's row rules (`ingest/rules.py`), which the Polars checks in
  `ingest/parse.py` already applied, are evaluated again by GX on the parsed rows of every source
  of the run (one GX batch per source). A row GX flags that parsing let through is quarantined
  all the same (`reconcile`); the report says how many quarantined rows GX confirmed.
- marts after a run: one row per dealer-month, no negative counts, alerts and ranks only for
  known dealers, ranks 1..n within each month. A failure stops the run before it commits.

Everything here is a pure function of frames and GX results, except `_validate` (the one place
GX executes), `check_marts` (reads the marts) and `write_report`. GX is imported on first use:
it takes seconds, and only a run needs it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from dealer_warnings.ingest.parse import TEXT_SUFFIX, ParsedBatch
from dealer_warnings.ingest.readers import LINE
from dealer_warnings.ingest.rules import Rule, RuleKind

if TYPE_CHECKING:
    import pandas as pd

GX_NOTE = " (caught by the great-expectations check, not by parsing)"
SAMPLE_SIZE = 5  # failing values or lines shown per expectation in messages and the report
FAILURE_SCHEMA = {"file": pl.Utf8, LINE: pl.Int64, "column_name": pl.Utf8, "reason": pl.Utf8}
MART_COUNTS = (
    "orders",
    "units_ordered",
    "units_returned",
    "order_value",
    "sales_revenue",
    "sales_units",
    "complaints",
    "quality_incidents",
)


class ValidationBroken(RuntimeError):
    """GX could not evaluate an expectation (a bug, not bad data): the run must not pass."""


class MartsInvalid(RuntimeError):
    """A mart expectation failed; the message lists which and where the report is."""


@dataclass(frozen=True)
class Outcome:
    """One expectation's verdict on one frame."""

    target: str  # the source or mart checked
    expectation: str  # GX's name for it, e.g. expect_column_values_to_not_be_null
    column: str | None
    problem: str  # what a failing row breaks, in plain words
    checked: int
    failed: int
    failing_rows: tuple[int, ...] = ()  # index labels of the failing rows
    sample: tuple = ()  # a few failing values

    @property
    def success(self) -> bool:
        return self.failed == 0

    @property
    def reason(self) -> str:
        """As a quarantined row's reason says it (the same words as `Rule.reason`)."""
        return f"{self.column}: {self.problem}"

    def describe(self) -> str:
        where = f"{self.target}.{self.column}" if self.column else self.target
        example = f", e.g. {', '.join(map(str, self.sample))}" if self.sample else ""
        return f"{where}: {self.problem}: {self.failed:,} row(s){example}"


@dataclass
class BatchCheck:
    """GX's verdict on one source's incoming rows, and how it compares with parsing's."""

    source: str
    files: list[str]
    rows: int  # rows GX checked
    outcomes: list[Outcome]
    failures: pl.DataFrame  # FAILURE_SCHEMA: one row per failing (file, line, rule)
    total: int = 0  # rows of the source in this run (more than `rows` when GX saw a sample)
    confirmed: int = 0  # rows quarantined by parsing that GX flags too
    gx_only: int = 0  # rows only GX flags (quarantined all the same)
    parse_only: int = 0  # rows quarantined by parsing that GX lets pass

    def failures_of(self, file_name: str) -> pl.DataFrame:
        return self.failures.filter(pl.col("file") == file_name).drop("file")


@dataclass
class MartCheck:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]


# --- great-expectations: the expectations, and the one place GX runs ------------------------


def expectation_for(rule: Rule) -> Any:
    """The GX expectation that checks `rule` on a frame of typed columns and `<c>__text` cells."""
    import great_expectations.expectations as gxe

    column, meta = rule.column, {"column": rule.column, "problem": rule.problem}
    match rule.kind:
        case RuleKind.REQUIRED:
            return gxe.ExpectColumnValuesToNotBeNull(column=f"{column}{TEXT_SUFFIX}", meta=meta)
        case RuleKind.PARSES:
            from great_expectations.expectations.row_conditions import Column

            return gxe.ExpectColumnValuesToNotBeNull(
                column=column,
                row_condition=Column(f"{column}{TEXT_SUFFIX}").is_not_null(),
                meta=meta,
            )
        case RuleKind.AT_LEAST:
            return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=rule.limit, meta=meta)
        case RuleKind.NONZERO:
            return gxe.ExpectColumnValuesToNotBeInSet(column=column, value_set=[0], meta=meta)
        case RuleKind.NOT_AFTER:
            latest = datetime.combine(rule.limit, time())
            return gxe.ExpectColumnValuesToBeBetween(column=column, max_value=latest, meta=meta)
        case RuleKind.ALLOWED | RuleKind.KNOWN:
            return gxe.ExpectColumnValuesToBeInSet(
                column=column, value_set=list(rule.limit), meta=meta
            )


def mart_expectations(known_dealers: list[str]) -> dict[str, list[Any]]:
    """What the marts promise (DATA_CONTRACT.md, Output), per table."""
    import great_expectations.expectations as gxe

    def meta(problem: str, column: str | None = None) -> dict:
        return {"column": column, "problem": problem}

    def known(table: str) -> Any:
        return gxe.ExpectColumnValuesToBeInSet(
            column="dealer_id",
            value_set=known_dealers,
            meta=meta(f"{table} of a dealer missing from the dealer master", "dealer_id"),
        )

    return {
        "dealer_month": [
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["dealer_id", "month"], meta=meta("more than one row per dealer-month")
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="month", meta=meta("month missing", "month")),
            known("dealer_month row"),
            *[
                gxe.ExpectColumnValuesToBeBetween(
                    column=c, min_value=0, meta=meta("negative count or amount", c)
                )
                for c in MART_COUNTS
            ],
        ],
        "alerts": [
            known("alert"),
            gxe.ExpectColumnValuesToBeInSet(
                column="severity",
                value_set=["warning", "critical"],
                meta=meta("severity other than warning or critical", "severity"),
            ),
        ],
        "dealer_risk": [
            known("ranking"),
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["month", "dealer_id"], meta=meta("a dealer ranked twice in a month")
            ),
            gxe.ExpectColumnValuesToBeInSet(
                column="rank_gap",
                value_set=[0],
                meta=meta("ranks do not run 1..n within the month", "rank"),
            ),
        ],
    }


def run_suite(target: str, frame: pd.DataFrame, expectations: list[Any]) -> list[Outcome]:
    """Validate `frame` with GX: a quick pass/fail over every expectation, then the failing ones
    again with COMPLETE results (counts and the failing rows' indexes).

    GX's cost is mostly per expectation, and COMPLETE results cost four times a pass/fail: a
    clean batch (the usual night) pays only the quick pass.
    """
    quick = _validate(target, frame, expectations, "BOOLEAN_ONLY")
    failing = {(o.column, o.problem) for o in quick if not o.success}
    if not failing:
        return quick
    again = [e for e in expectations if (e.meta["column"], e.meta["problem"]) in failing]
    detailed = {(o.column, o.problem): o for o in _validate(target, frame, again, "COMPLETE")}
    return [detailed.get((o.column, o.problem), o) for o in quick]


def _validate(
    target: str, frame: pd.DataFrame, expectations: list[Any], result_format: str
) -> list[Outcome]:
    """One GX validation of a whole-dataframe batch (ephemeral context, pandas data source).

    The suite is validated on the batch directly, not through a stored ValidationDefinition or
    Checkpoint: storing them in the context costs more than validating a small batch.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(target)
        .add_dataframe_asset(target)
        .add_batch_definition_whole_dataframe(target)
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=target, expectations=expectations)
    result = batch.validate(suite, result_format=result_format)
    by_rule = {(o.column, o.problem): o for o in outcomes_of(target, result.results, len(frame))}
    return [by_rule[(e.meta["column"], e.meta["problem"])] for e in expectations]


# --- pure functions over frames and results ------------------------------------------------


def outcomes_of(target: str, results: list[Any], rows: int) -> list[Outcome]:
    """Plain outcomes from GX's expectation results (`rows` checked); an expectation GX failed to
    evaluate raises."""
    outcomes = []
    for result in results:
        config = result.expectation_config
        error = _raised(result.exception_info)
        if error:
            raise ValidationBroken(f"great-expectations could not check {target}: {error}")
        details = result.result or {}
        outcomes.append(
            Outcome(
                target=target,
                expectation=config.type,
                column=(config.meta or {}).get("column"),
                problem=(config.meta or {}).get("problem", config.type),
                checked=int(details.get("element_count") or rows),
                failed=0 if result.success else int(details.get("unexpected_count") or 1),
                failing_rows=tuple(
                    i for i in details.get("unexpected_index_list") or () if isinstance(i, int)
                ),
                sample=tuple(details.get("partial_unexpected_list") or ())[:SAMPLE_SIZE],
            )
        )
    return outcomes


def _raised(info: Any) -> str | None:
    """The message of an exception GX caught while evaluating, at any depth of its report."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    return next((m for v in info.values() if (m := _raised(v))), None)


def gx_frame(frame: pl.DataFrame) -> pd.DataFrame:
    """A pandas frame GX checks quickly: dates as nanosecond datetimes (GX compares them natively;
    coarser units make it compare cell by cell in Python)."""
    as_datetime = [
        pl.col(c).cast(pl.Datetime("ns"))
        for c, dtype in frame.schema.items()
        if dtype in (pl.Date, pl.Datetime)
    ]
    return frame.with_columns(as_datetime).to_pandas()


def row_failures(outcomes: list[Outcome], keys: pl.DataFrame) -> pl.DataFrame:
    """(file, line, column_name, reason) of every failing row; `keys` maps GX's row index
    (the position in the checked frame) to the row's file and line."""
    failing = [(position, o.column, o.reason) for o in outcomes for position in o.failing_rows]
    if not failing:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    positions = pl.DataFrame(
        failing, schema={"position": pl.Int64, "column_name": pl.Utf8, "reason": pl.Utf8},
        orient="row",
    )  # fmt: skip
    return (
        positions.join(
            keys.with_row_index("position").cast({"position": pl.Int64}),
            "position",
            maintain_order="left",
        )
        .select(list(FAILURE_SCHEMA))
        .sort("file", LINE, maintain_order=True)
    )


def reconcile(parsed: ParsedBatch, failures: pl.DataFrame) -> tuple[ParsedBatch, dict[str, int]]:
    """Parsing's verdict with GX's folded in: a row GX flags is quarantined even if parsing let
    it through (its reasons are GX's, marked as such). Counts say where the two agreed."""
    flagged = failures.group_by(LINE, maintain_order=True).agg(
        pl.col("column_name").first(), pl.col("reason").str.join("; ")
    )
    parse_bad = parsed.bad[LINE]
    gx_only = flagged.filter(~pl.col(LINE).is_in(parse_bad.implode()))
    counts = {
        "confirmed": int(parse_bad.is_in(flagged[LINE].implode()).sum()),
        "gx_only": gx_only.height,
        "parse_only": int((~parse_bad.is_in(flagged[LINE].implode())).sum()),
    }
    if gx_only.height == 0:
        return parsed, counts
    cell_as_written = pl.coalesce(
        pl.when(pl.col("column_name") == c.removesuffix(TEXT_SUFFIX)).then(pl.col(c))
        for c in parsed.rows.columns
        if c.endswith(TEXT_SUFFIX)
    )
    caught = gx_only.join(parsed.rows, on=LINE).select(
        LINE, "column_name", cell_as_written.alias("value"), pl.col("reason") + GX_NOTE
    )
    good = parsed.good.filter(~pl.col(LINE).is_in(gx_only[LINE].implode()))
    bad = pl.concat([parsed.bad, caught.select(parsed.bad.columns)]).sort(LINE)
    return ParsedBatch(good, bad, parsed.rows), counts


def with_rank_gap(dealer_risk: pl.DataFrame) -> pl.DataFrame:
    """rank minus its position in the month: 0 everywhere exactly when ranks run 1..n."""
    position = pl.col("rank").rank("ordinal").over("month")
    return dealer_risk.with_columns((pl.col("rank") - position).alias("rank_gap"))


# --- the runners: one source's batch, the marts --------------------------------------------


def check_batch(
    source: str, rules: list[Rule], parsed_by_file: dict[str, ParsedBatch]
) -> BatchCheck:
    """GX over the parsed rows (`ParsedBatch.rows`) of every file of one source in this run:
    all of them, or the sample of them the loader kept (see `ingest.loader`)."""
    files = list(parsed_by_file)
    frames = [
        parsed.rows.with_columns(pl.lit(name).alias("file"))
        for name, parsed in parsed_by_file.items()
    ]
    batch = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    if batch.height == 0:
        return BatchCheck(source, files, 0, [], pl.DataFrame(schema=FAILURE_SCHEMA))
    outcomes = run_suite(
        source, gx_frame(batch.drop("file", LINE)), [expectation_for(rule) for rule in rules]
    )
    failures = row_failures(outcomes, batch.select("file", LINE))
    return BatchCheck(source, files, batch.height, outcomes, failures, total=batch.height)


def check_marts(con: duckdb.DuckDBPyConnection, since: date = date.min) -> MartCheck:
    """GX over the marts as this run's transaction sees them, from the month `since` on: the
    months the run rebuilt (earlier ones were checked by the run that built them)."""
    known = con.sql("SELECT dealer_id FROM stg_dealers").pl()["dealer_id"].to_list()

    def rebuilt(query: str) -> pl.DataFrame:
        return con.sql(f"{query} WHERE month >= ?", params=[since]).pl()

    frames = {
        "dealer_month": rebuilt("SELECT * FROM dealer_month"),
        "alerts": rebuilt("SELECT month, dealer_id, indicator, severity FROM alerts"),
        "dealer_risk": with_rank_gap(rebuilt("SELECT month, dealer_id, rank FROM dealer_risk")),
    }
    check = MartCheck()
    for table, expectations in mart_expectations(known).items():
        if frames[table].height:
            check.outcomes += run_suite(table, gx_frame(frames[table]), expectations)
    return check


# --- the report ----------------------------------------------------------------------------


def render_report(run_id: int, batches: list[BatchCheck], marts: MartCheck | None) -> str:
    """A self-contained HTML page: every expectation of the run, its verdict and failing rows."""
    failed = [o for b in batches for o in b.outcomes if not o.success]
    failed += marts.failed if marts else []
    parts = [
        f"<h1>Validation of run {run_id}</h1>",
        f"<p>great-expectations, {len(batches)} incoming batch(es)"
        + (", marts" if marts else "")
        + f": <b>{len(failed)} expectation(s) with failing rows</b>.</p>",
    ]
    for batch in batches:
        parts.append(
            f"<h2>Incoming {html.escape(batch.source)}: {batch.total:,} row(s) from "
            f"{len(batch.files)} file(s)</h2><p>{html.escape(', '.join(batch.files))}</p>"
            + (
                f"<p>GX checked {batch.rows:,} of them: every row parsing quarantined and a "
                "random sample of the others (<code>ingest.gx_check_rows</code>).</p>"
                if batch.rows < batch.total
                else ""
            )
            + f"<p>Quarantined rows GX confirmed: {batch.confirmed:,}; caught by GX only (then "
            f"quarantined): {batch.gx_only:,}; quarantined by parsing only: {batch.parse_only:,}."
            "</p>"
        )
        parts.append(_outcome_table(batch.outcomes, batch.failures))
    if marts:
        parts.append("<h2>Marts after the run</h2>")
        parts.append(_outcome_table(marts.outcomes, None))
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
        ".fail{background:#fde2e2}.pass{background:#e6f4ea}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Validation of run {run_id}"
        f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )


def _outcome_table(outcomes: list[Outcome], failures: pl.DataFrame | None) -> str:
    rows = []
    for o in outcomes:
        where = ""
        if failures is not None and not o.success:
            lines = failures.filter(pl.col("reason") == o.reason).head(SAMPLE_SIZE)
            where = ", ".join(f"{f} line {n}" for f, n in lines.select("file", LINE).rows())
        sample = ", ".join(map(str, o.sample))
        rows.append(
            f"<tr class='{'pass' if o.success else 'fail'}'><td>{html.escape(o.column or '')}</td>"
            f"<td>{html.escape(o.problem)}</td><td>{html.escape(o.expectation)}</td>"
            f"<td>{o.checked:,}</td><td>{o.failed:,}</td>"
            f"<td>{html.escape(sample)}</td><td>{html.escape(where)}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("column", "rule", "expectation", "rows", "failing", "e.g. values", "e.g. where")
    )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def write_report(folder: Path, page: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
