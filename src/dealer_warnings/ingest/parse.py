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

EXPECTED = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "a whole number",
    ColumnType.DECIMAL: "a number",
    ColumnType.DATE: "a date (YYYY-MM-DD, YYYY/MM/DD or DD/MM/YYYY)",
    ColumnType.MONTH: "a month (YYYY-MM, YYYY/MM, YYYYMM or a date)",
}
POLARS_TYPES = {
    ColumnType.TEXT: pl.Utf8,
    ColumnType.INTEGER: pl.Int64,
    ColumnType.DECIMAL: pl.Float64,
    ColumnType.DATE: pl.Date,
    ColumnType.MONTH: pl.Date,
}
MAX_EXACT_INTEGER = 2**53  # larger whole numbers are not exact in a float, nor plausible here
_DAY_MONTH = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"


@dataclass
class ParsedBatch:
    good: pl.DataFrame  # LINE + contract columns, typed
    bad: pl.DataFrame  # LINE, column_name, value, reason


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


def checks(
    source: Source, run_date: date, known_dealers: pl.Series | None
) -> list[tuple[str, pl.Expr, str]]:
    """(column, failing condition, problem in plain words) for every rule of the contract.

    Conditions read the text cell `c` and the parsed value `c__parsed`.
    """
    rules = []
    for column in source.columns:
        raw, value = text(column.name), pl.col(f"{column.name}__parsed")
        if column.required:
            rules.append((column.name, raw.is_null(), "required value missing"))
        rules.append(
            (column.name, raw.is_not_null() & value.is_null(), f"expected {EXPECTED[column.type]}")
        )
        if column.min_value is not None:
            rules.append(
                (column.name, value < column.min_value, f"must be >= {column.min_value:g}")
            )
        if column.nonzero:
            rules.append((column.name, value == 0, "must not be 0"))
        if column.allowed is not None:
            rules.append(
                (
                    column.name,
                    value.is_not_null() & ~value.is_in(list(column.allowed)),
                    f"expected one of {', '.join(column.allowed)}",
                )
            )
    if source.event_date is not None:
        event = pl.col(f"{source.event_date}__parsed")
        rules.append(
            (source.event_date, event > pl.lit(run_date), f"date after the run date {run_date}")
        )
    if source.needs_known_dealer and known_dealers is not None:
        rules.append(
            (
                "dealer_id",
                pl.col("dealer_id__parsed").is_not_null()
                & ~pl.col("dealer_id__parsed").is_in(known_dealers.implode()),
                "unknown dealer_id (not in the dealer master data)",
            )
        )
    return rules


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
    rules = checks(source, run_date, known_dealers)
    problems = parsed.with_columns(
        pl.coalesce(
            pl.when(cond).then(pl.struct(column_name=pl.lit(col), value=text(col)))
            for col, cond, _ in rules
        ).alias("first_problem"),
        pl.concat_str(
            [pl.when(cond).then(pl.lit(f"{col}: {msg}")) for col, cond, msg in rules],
            separator="; ",
            ignore_nulls=True,
        ).alias("reason"),
    )
    is_bad = pl.col("first_problem").is_not_null()
    good = problems.filter(~is_bad).select(
        LINE, *[pl.col(f"{c}__parsed").alias(c) for c in source.column_names]
    )
    bad = problems.filter(is_bad).select(LINE, "first_problem", "reason").unnest("first_problem")
    return ParsedBatch(good, bad)
