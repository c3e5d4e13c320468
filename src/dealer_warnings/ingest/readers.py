"""Read one input file into a table of text cells, whatever its format and encoding.

Every value stays text here (parsing is a separate, vectorised step), and every row keeps the
line number a person sees when opening the file: the CSV line or the Excel row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

LINE = "_line"
HEADER_SCAN_ROWS = 30  # title rows an export may put above the header
DELIMITERS = ",;\t|"


class FileRejected(Exception):
    """The file cannot be used at all; the message says why and what was expected."""


@dataclass
class TextTable:
    """A file's rows as text, with the header row found and the physical line of each row."""

    frame: pl.DataFrame  # one Utf8 column per header cell, plus LINE (1-based)
    encoding: str
    header_line: int
    notes: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """Detect the text encoding from the bytes (BOMs, then strict UTF-8, then GB18030)."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("binary content, not a text file (expected a CSV export)")
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected("cannot be decoded as UTF-8 or GB18030/GBK text")


def find_header(rows: list[list[str]], score: Callable[[list[str]], int]) -> int:
    """Index of the row that looks most like the header (first best), among the first rows."""
    scores = [score(row) for row in rows[:HEADER_SCAN_ROWS]]
    if not scores or max(scores) == 0:
        return 0
    return scores.index(max(scores))


def read_csv(path: Path, header_score: Callable[[list[str]], int]) -> TextTable:
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected("the file is empty (expected a header row and data rows)")
    text, encoding = decode(data)
    head_lines = text.splitlines()[:HEADER_SCAN_ROWS]
    delimiter = max(DELIMITERS, key=lambda d: sum(line.count(d) for line in head_lines[:5]))
    head_rows = list(csv.reader(head_lines, delimiter=delimiter))
    header_index = find_header(head_rows, header_score)
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=delimiter,
            skip_rows=header_index,
            infer_schema=False,
        )
    except pl.exceptions.PolarsError as error:
        raise FileRejected(f"not a readable CSV table: {error}".splitlines()[0]) from error
    # Data row i sits on line header_index + 2 + i (1-based); blank lines come through as null rows.
    frame = frame.with_row_index(LINE, offset=header_index + 2).with_columns(
        pl.col(LINE).cast(pl.Int64)
    )
    return TextTable(frame, encoding, header_index + 1)


def read_xlsx(path: Path, header_score: Callable[[list[str]], int]) -> TextTable:
    try:
        # skip_rows=0 keeps leading empty rows, so row i of the grid is Excel row i + 1.
        sheet = fastexcel.read_excel(str(path)).load_sheet(
            0, header_row=None, dtypes="string", skip_rows=0
        )
    except Exception as error:  # fastexcel raises its own error types for each kind of damage
        raise FileRejected(
            f"not a readable .xlsx workbook (password-protected or damaged?): {error}".splitlines()[
                0
            ]
        ) from error
    grid = sheet.to_polars()
    if grid.height == 0:
        raise FileRejected("the first sheet is empty (expected a header row and data rows)")
    head_rows = [
        ["" if v is None else v for v in row] for row in grid.head(HEADER_SCAN_ROWS).rows()
    ]
    header_index = find_header(head_rows, header_score)
    names = _unique_names(head_rows[header_index])
    frame = grid.slice(header_index + 1).rename(dict(zip(grid.columns, names, strict=True)))
    frame = frame.with_row_index(LINE, offset=header_index + 2).with_columns(
        pl.col(LINE).cast(pl.Int64)
    )
    return TextTable(frame, "xlsx", header_index + 1)


def read_parquet(path: Path, header_score: Callable[[list[str]], int]) -> TextTable:
    try:
        frame = pl.read_parquet(path)
    except Exception as error:
        raise FileRejected(f"not a readable Parquet file: {error}".splitlines()[0]) from error
    as_text = [
        pl.col(c).dt.to_string("%Y-%m-%d %H:%M:%S")
        if isinstance(dtype, pl.Datetime)
        else pl.col(c).cast(pl.Utf8)
        for c, dtype in frame.schema.items()
    ]
    frame = (
        frame.select(as_text)
        .with_row_index(LINE, offset=1)
        .with_columns(pl.col(LINE).cast(pl.Int64))
    )
    return TextTable(frame, "parquet", 0)


def _unique_names(cells: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for i, cell in enumerate(cells):
        name = str(cell).strip() or f"column_{i + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


READERS = {".csv": read_csv, ".xlsx": read_xlsx, ".xlsm": read_xlsx, ".parquet": read_parquet}


def read_table(path: Path, header_score: Callable[[list[str]], int]) -> TextTable:
    """Read any supported file; `header_score` rates how much a row looks like the header."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise FileRejected(
            f"unsupported file type '{path.suffix}' (expected one of {', '.join(sorted(READERS))})"
        )
    table = reader(path, header_score)
    blank = pl.all_horizontal(
        pl.exclude(LINE).is_null() | (pl.exclude(LINE).str.strip_chars() == "")
    )
    table.frame = table.frame.filter(~blank)
    return table
