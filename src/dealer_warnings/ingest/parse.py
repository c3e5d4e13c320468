"""Turn a batch of text rows into typed rows, and say for each bad row what is wrong with it.

All of it is Polars expressions over whole columns: one pass per batch, no per-row Python.
Each value is tried in its canonical form first (`1234.5`, `2026-10-31`, `2026-10`); the other
accepted forms are tried only on the cells that failed it, so a clean export pays one cast per
cell. A row is good when no check fails; otherwise it is quarantined with the first problem's
column and value and every problem in plain words (worked out for the bad rows only).
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
    return expr.map_batches(parse_numbers, return_dtype=pl.Float64)


def parse_numbers(cells: pl.Series) -> pl.Series:
    """`parse_number` over a column: one cast, and the other forms only for the cells it missed."""
    number = cells.cast(pl.Float64, strict=False)
    missed = number.is_null() & cells.is_not_null()
    if missed.any():
        written = pl.select(_written_number(pl.lit(cells.filter(missed)))).to_series()
        number = number.scatter(missed.arg_true(), written)
    return pl.select(_finite(pl.lit(number))).to_series().alias(cells.name)


def _finite(number: pl.Expr) -> pl.Expr:
    return pl.when(number.is_finite()).then(number)


def _written_number(expr: pl.Expr) -> pl.Expr:
    """The non-canonical number forms: thousands separators, decimal commas, currency signs."""
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
    return normalised.cast(pl.Float64, strict=False)


def day_first(values: pl.Series) -> bool:
    """Whether d/m/Y-looking dates in this column put the day first (the contract's default).

    Only a column that shows a second part above 12 and never a first part above 12 is read
    month-first (a US export); anything else is read day-first.
    """
    parts = values.str.strip_chars().str.extract_groups(_DAY_MONTH)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    return not ((second > 12).any() and not (first > 12).any())


def _iso_date(expr: pl.Expr) -> pl.Expr:
    return expr.str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def parse_date(expr: pl.Expr, dayfirst: bool = True) -> pl.Expr:
    """ISO and slashed dates, an Excel cell's date-time, and d/m/Y (or m/d/Y for US files)."""
    ordered = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
    with_time = expr.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
    return pl.coalesce(
        _iso_date(expr),
        expr.str.strptime(pl.Date, "%Y/%m/%d", strict=False),
        pl.when(with_time).then(_iso_date(expr.str.slice(0, 10))),
        pl.when(expr.str.contains(_DAY_MONTH)).then(
            expr.str.replace_all(r"[.\-]", "/").str.strptime(pl.Date, ordered, strict=False)
        ),
    )


def parse_month(expr: pl.Expr, dayfirst: bool = True) -> pl.Expr:
    """2026-10, 2026/10, 202610, or any date inside the month; the first day of the month."""
    year_month = expr.str.replace_all(r"[/.]", "-")
    return pl.coalesce(
        pl.when(expr.str.contains(r"^\d{4}[-/.]\d{1,2}$")).then(_iso_date(year_month + "-01")),
        pl.when(expr.str.contains(r"^\d{6}$")).then(
            (expr + "01").str.strptime(pl.Date, "%Y%m%d", strict=False)
        ),
        parse_date(expr, dayfirst).dt.truncate("1mo"),
    )


def canonical_month(expr: pl.Expr) -> pl.Expr:
    """2026-10 or an ISO date: the month forms a tidy export writes (`parse_month` gives the
    same month for them)."""
    return pl.coalesce(
        pl.when(expr.str.contains(r"^\d{4}-\d{2}$")).then(_iso_date(expr + "-01")),
        _iso_date(expr).dt.truncate("1mo"),
    )


def parse_column(column: Column, dayfirst: bool, canonical: bool = False) -> pl.Expr:
    """The typed value of `column`, from its trimmed text cell (`<column>__text`).

    `canonical` tries only the canonical form (one cast); null where the cell is written
    another way.
    """
    raw = pl.col(f"{column.name}{TEXT_SUFFIX}")
    match column.type:
        case ColumnType.TEXT:
            aliases = VALUE_ALIASES.get(column.name)
            if aliases is None and column.allowed is None:
                return raw
            lowered = raw.str.to_lowercase()
            return lowered.replace(aliases) if aliases else lowered
        case ColumnType.DECIMAL | ColumnType.INTEGER:
            number = _finite(raw.cast(pl.Float64, strict=False)) if canonical else parse_number(raw)
            if column.type is ColumnType.DECIMAL:
                return number
            whole = (number == number.round()) & (number.abs() < MAX_EXACT_INTEGER)
            return pl.when(whole).then(number).cast(pl.Int64)
        case ColumnType.DATE:
            return _iso_date(raw) if canonical else parse_date(raw, dayfirst)
        case ColumnType.MONTH:
            return canonical_month(raw) if canonical else parse_month(raw, dayfirst)


def failing(rule: Rule) -> pl.Expr:
    """The rows that break `rule`; reads the trimmed text `c__text` and the typed value `c`."""
    raw, value = pl.col(f"{rule.column}{TEXT_SUFFIX}"), pl.col(rule.column)
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
    Every cell is first typed by one cast of its canonical form; only the rows with a cell
    written another way go through every accepted form. Reasons are worked out for the bad rows
    only.
    """
    present = frame.columns
    cells = frame.select(
        LINE,
        *[
            (text(c) if c in present else pl.lit(None, pl.Utf8)).alias(f"{c}{TEXT_SUFFIX}")
            for c in source.column_names
        ],
    )
    typed = cells.select(
        LINE,
        *[
            parse_column(c, dayfirst=True, canonical=True).cast(POLARS_TYPES[c.type]).alias(c.name)
            for c in source.columns
        ],
        pl.exclude(LINE),
    )
    rows = _parse_the_rest(typed, source)
    known = None if known_dealers is None else tuple(known_dealers.to_list())
    rules = contract_rules(source, run_date, known)
    is_bad = pl.any_horizontal(failing(rule).fill_null(False) for rule in rules)
    good = rows.filter(~is_bad).select(LINE, *source.column_names)
    bad = (
        rows.filter(is_bad)
        .select(
            LINE,
            pl.coalesce(
                pl.when(failing(rule)).then(
                    pl.struct(
                        column_name=pl.lit(rule.column), value=pl.col(f"{rule.column}{TEXT_SUFFIX}")
                    )
                )
                for rule in rules
            ).alias("first_problem"),
            pl.concat_str(
                [pl.when(failing(rule)).then(pl.lit(rule.reason)) for rule in rules],
                separator="; ",
                ignore_nulls=True,
            ).alias("reason"),
        )
        .unnest("first_problem")
    )
    return ParsedBatch(good, bad, rows)


def _parse_the_rest(typed: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Try every accepted form on the rows with a cell the canonical parse left untyped."""
    columns = [c for c in source.columns if c.type is not ColumnType.TEXT]
    untyped = pl.any_horizontal(
        pl.col(f"{c.name}{TEXT_SUFFIX}").is_not_null() & pl.col(c.name).is_null() for c in columns
    )
    rest = typed.filter(untyped)
    if rest.height == 0:
        return typed
    dated = (ColumnType.DATE, ColumnType.MONTH)
    rest = rest.with_columns(
        parse_column(c, day_first(rest[f"{c.name}{TEXT_SUFFIX}"]) if c.type in dated else True)
        .cast(POLARS_TYPES[c.type])
        .alias(c.name)
        for c in columns
    )
    return pl.concat([typed.filter(~untyped), rest]).sort(LINE)
