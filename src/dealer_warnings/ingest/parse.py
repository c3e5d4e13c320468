"""Turn a batch of text rows into typed rows, and say for each bad row what is wrong with it.

All of it is Polars expressions over whole columns: one pass per batch, no per-row Python.
A row is good when no check fails; otherwise it is quarantined with the first problem's column
and value and every problem in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from dealer_warnings.contract import VALUE_ALIASES, Column, ColumnType, Source
from dealer_warnings.ingest.readers import LINE
from dealer_warnings.ingest.rules import Rule, RuleKind, contract_rules

POLARS_TYPES = {
    ColumnType.TEXT: pl.Utf8,
    ColumnType.INTEGER: pl.Int64,
    ColumnType.DECIMAL: pl.Float64,
    ColumnType.DATE: pl.Date,
    ColumnType.MONTH: pl.Date,
}
TEXT_SUFFIX = "__text"  # in `ParsedBatch.rows`: the cell as written, next to its typed value
MAX_EXACT_INTEGER = 2**53  # larger whole numbers are not exact in a float, nor plausible here
_DAY_MONTH = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"


@dataclass
class ParsedBatch:
    good: pl.DataFrame  # LINE + contract columns, typed
    bad: pl.DataFrame  # LINE, column_name, value, reason
    rows: pl.DataFrame  # every row: LINE, each column typed and as text (`<column>__text`)


def text(column: str) -> pl.Expr:
    """The cell as trimmed text; blank means missing."""
    stripped = pl.col(column).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def parse_number(expr: pl.Expr) -> pl.Expr:
    """Numbers as exports write them: 1234.5, 1,234.5, 1.234,5, 1234,5, with currency signs."""
    t = expr.str.replace_all(r"[\s¥￥€$£]", "")
    thousands_comma = t.str.contains(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
    thousands_dot = t.str.contains(r"^-?\d{1,3}(\.\d{3})+,\d+$")
    decimal_comma = t.str.contains(r"^-?\d+,\d+$")
    normalised = (
        pl.when(thousands_comma)
        .then(t.str.replace_all(",", ""))
        .when(thousands_dot)
        .then(t.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(decimal_comma)
        .then(t.str.replace(",", "."))
        .otherwise(t)
    )
    number = normalised.cast(pl.Float64, strict=False)
    return pl.when(number.is_finite()).then(number)


def day_first(values: pl.Series) -> bool:
    """Whether d/m/Y-looking dates in this column put the day first (the contract's default).

    Only a column that shows a second part above 12 and never a first part above 12 is read
    month-first (a US export); anything else is read day-first.
    """
    parts = values.str.strip_chars().str.extract_groups(_DAY_MONTH)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    return not ((second > 12).any() and not (first > 12).any())


def parse_date(expr: pl.Expr, dayfirst: bool = True) -> pl.Expr:
    """ISO and slashed dates, an Excel cell's date-time, and d/m/Y (or m/d/Y for US files)."""
    ordered = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
    with_time = expr.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
    return pl.coalesce(
        expr.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        expr.str.strptime(pl.Date, "%Y/%m/%d", strict=False),
        pl.when(with_time).then(
            expr.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        ),
        pl.when(expr.str.contains(_DAY_MONTH)).then(
            expr.str.replace_all(r"[.\-]", "/").str.strptime(pl.Date, ordered, strict=False)
        ),
    )


def parse_month(expr: pl.Expr, dayfirst: bool = True) -> pl.Expr:
    year_month = expr.str.replace_all(r"[/.]", "-")
    return pl.coalesce(
        pl.when(expr.str.contains(r"^\d{4}[-/.]\d{1,2}$")).then(
            (year_month + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        ),
        pl.when(expr.str.contains(r"^\d{6}$")).then(
            (expr + "01").str.strptime(pl.Date, "%Y%m%d", strict=False)
        ),
        parse_date(expr, dayfirst).dt.truncate("1mo"),
    )


def parse_column(column: Column, dayfirst: bool) -> pl.Expr:
    raw = text(column.name)
    match column.type:
        case ColumnType.TEXT:
            aliases = VALUE_ALIASES.get(column.name)
            if aliases is None and column.allowed is None:
                return raw
            lowered = raw.str.to_lowercase()
            return lowered.replace(aliases) if aliases else lowered
        case ColumnType.DECIMAL:
            return parse_number(raw)
        case ColumnType.INTEGER:
            number = parse_number(raw)
            whole = (number == number.round()) & (number.abs() < MAX_EXACT_INTEGER)
            return pl.when(whole).then(number).cast(pl.Int64)
        case ColumnType.DATE:
            return parse_date(raw, dayfirst)
        case ColumnType.MONTH:
            return parse_month(raw, dayfirst)


def failing(rule: Rule) -> pl.Expr:
    """The rows that break `rule`; reads the text cell `c` and the parsed value `c__parsed`."""
    raw, value = text(rule.column), pl.col(f"{rule.column}__parsed")
    match rule.kind:
        case RuleKind.REQUIRED:
            return raw.is_null()
        case RuleKind.PARSES:
            return raw.is_not_null() & value.is_null()
        case RuleKind.AT_LEAST:
            return value < rule.limit
        case RuleKind.NONZERO:
            return value == 0
        case RuleKind.NOT_AFTER:
            return value > pl.lit(rule.limit)
        case RuleKind.ALLOWED | RuleKind.KNOWN:
            return value.is_not_null() & ~value.is_in(
                pl.Series(rule.limit, dtype=pl.Utf8).implode()
            )


def parse_batch(
    frame: pl.DataFrame, source: Source, run_date: date, known_dealers: pl.Series | None = None
) -> ParsedBatch:
    """Typed good rows and explained bad rows of one file (columns already named by contract).

    A contract column the file lacks is treated as blank (only optional ones can be missing).
    """
    present = frame.columns
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias(c) for c in source.column_names if c not in present
    )
    parsed = frame.with_columns(
        parse_column(
            c, day_first(frame[c.name]) if c.type in (ColumnType.DATE, ColumnType.MONTH) else True
        )
        .cast(POLARS_TYPES[c.type])
        .alias(f"{c.name}__parsed")
        for c in source.columns
    )
    known = None if known_dealers is None else tuple(known_dealers.to_list())
    rules = contract_rules(source, run_date, known)
    problems = parsed.with_columns(
        pl.coalesce(
            pl.when(failing(rule)).then(
                pl.struct(column_name=pl.lit(rule.column), value=text(rule.column))
            )
            for rule in rules
        ).alias("first_problem"),
        pl.concat_str(
            [pl.when(failing(rule)).then(pl.lit(rule.reason)) for rule in rules],
            separator="; ",
            ignore_nulls=True,
        ).alias("reason"),
    )
    is_bad = pl.col("first_problem").is_not_null()
    good = problems.filter(~is_bad).select(
        LINE, *[pl.col(f"{c}__parsed").alias(c) for c in source.column_names]
    )
    bad = problems.filter(is_bad).select(LINE, "first_problem", "reason").unnest("first_problem")
    rows = parsed.select(
        LINE,
        *[pl.col(f"{c}__parsed").alias(c) for c in source.column_names],
        *[text(c).alias(f"{c}{TEXT_SUFFIX}") for c in source.column_names],
    )
    return ParsedBatch(good, bad, rows)
