"""Find the total rows exports append under the data (合计, Total, Subtotal, ... or bare sums).

A total row is not data: loading it would count every order twice. It is quarantined with its
line, so the file's rows still add up (every row read is loaded or quarantined).
"""

from __future__ import annotations

import polars as pl

from dealer_warnings.contract import ColumnType, Source
from dealer_warnings.ingest.parse import parse_number, text
from dealer_warnings.ingest.readers import LINE

TOTAL_REASON = "total row, not data"
# The label a total row starts with: Chinese (simplified and traditional), English, Spanish.
TOTAL_LABEL = (
    r"(?i)^(?:(?:合计|总计|小计|合計|總計|小計).*"
    r"|(?:(?:grand|sub-?)\s*)?totale?s?(?:[\s:\uff1a].*)?|suma?(?:[\s:\uff1a].*)?)$"
)
SUM_TOLERANCE = 0.005  # a total rounded to cents still matches the sum of its rows


def total_rows(cells: pl.DataFrame, batch: pl.DataFrame, source: Source) -> pl.DataFrame:
    """The total rows of one file: LINE, column_name, value (the label, when there is one).

    `cells` is the file as read (its own headers, in file order); `batch` the same rows under
    contract names. A row is a total when its first non-blank cell is a total label, or when it
    trails the data without any key value and a number in it equals the sum of the rows above.
    """
    headers = [c for c in cells.columns if c != LINE]
    if not headers or cells.height == 0:
        return pl.DataFrame(schema={LINE: pl.Int64, "column_name": pl.Utf8, "value": pl.Utf8})
    # The first non-blank cell as plain text: only the few rows it marks as totals are then
    # asked which column that cell is in.
    first_cell = pl.coalesce(text(h) for h in headers)
    labelled = cells.filter(first_cell.str.contains(TOTAL_LABEL)).select(
        LINE,
        pl.coalesce(pl.when(text(h).is_not_null()).then(pl.lit(h)) for h in headers).alias(
            "column_name"
        ),
        first_cell.alias("value"),
    )
    summed = trailing_sums(batch.filter(~pl.col(LINE).is_in(labelled[LINE].implode())), source)
    return pl.concat([labelled, summed]).sort(LINE)


def trailing_sums(batch: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Rows after the last keyed row that have no key but a number equal to the column's sum."""
    keys = [k for k in source.key if k in batch.columns]
    numbers = [
        c.name
        for c in source.columns
        if c.type in (ColumnType.INTEGER, ColumnType.DECIMAL) and c.name in batch.columns
    ]
    empty = pl.DataFrame(schema={LINE: pl.Int64, "column_name": pl.Utf8, "value": pl.Utf8})
    if not keys or not numbers:
        return empty
    keyed = batch.filter(pl.any_horizontal(text(k).is_not_null() for k in keys))
    if keyed.height == 0:
        return empty
    tail = batch.filter(pl.col(LINE) > keyed[LINE].max())
    if tail.height == 0:  # the usual file: its last row has a key
        return empty
    data = batch.filter(pl.col(LINE) <= keyed[LINE].max())
    sums = data.select(parse_number(text(c)).sum().alias(c) for c in numbers).row(0, named=True)
    equals_sum = [
        (parse_number(text(c)) - sums[c]).abs() <= SUM_TOLERANCE + 1e-9 * abs(sums[c])
        for c in numbers
    ]
    return tail.filter(pl.any_horizontal(equals_sum)).select(
        LINE, pl.lit(None, pl.Utf8).alias("column_name"), pl.lit(None, pl.Utf8).alias("value")
    )
