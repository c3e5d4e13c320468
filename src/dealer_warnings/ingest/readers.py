"""Read one input file into a table of text cells, whatever its format and encoding.

Every value stays text here (parsing is a separate, vectorised step), and every row keeps the
line number a person sees when opening the file: the CSV line or the Excel row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import polars as pl

LINE = "_line"
HEADER_SCAN_ROWS = 30  # title rows an export may put above the header
DELIMITERS = ",;\t|"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and old .xls both start so
SNIFF_BYTES = 4096
MAX_CONTROL_SHARE = 0.01  # more control characters than this in the text: not a text export
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MALFORMED_SCHEMA = {LINE: pl.Int64, "value": pl.Utf8, "reason": pl.Utf8, "row_json": pl.Utf8}


class FileRejected(Exception):
    """The file cannot be used at all; the message says why and what was expected."""


@dataclass
class TextTable:
    """A file's rows as text, with the header row found and the physical line of each row."""

    frame: pl.DataFrame  # one Utf8 column per header cell, plus LINE (1-based)
    encoding: str
    header_line: int
    notes: list[str] = field(default_factory=list)
    # Lines that cannot be a row of the table (more fields than the header): LINE, value,
    # reason, row_json. They are quarantined, never truncated into a row.
    malformed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=MALFORMED_SCHEMA))


def utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text saved without a BOM shows as a zero byte next to every ASCII character."""
    half = len(sample) // 2
    if half < 2:
        return None
    even_zeros, odd_zeros = sample[0::2].count(0), sample[1::2].count(0)
    if odd_zeros > 0.4 * half and even_zeros < 0.05 * half:
        return "utf-16-le"
    if even_zeros > 0.4 * half and odd_zeros < 0.05 * half:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Detect the text encoding from the bytes: BOMs, UTF-16 without a BOM, strict UTF-8, GB18030."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return _text_or_reject(data, encoding), encoding
    sample = data[:SNIFF_BYTES]
    if b"\x00" in sample:
        encoding = utf16_without_bom(sample)
        if encoding is None:
            raise FileRejected("binary content, not a text file (expected a CSV export)")
        return _text_or_reject(data, encoding), encoding
    for encoding in ("utf-8", "gb18030"):
        try:
            return _text_or_reject(data, encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected("cannot be decoded as UTF-8, UTF-16 or GB18030/GBK text")


def _text_or_reject(data: bytes, encoding: str) -> str:
    """The decoded text, unless it is mostly control characters (binary that happened to decode)."""
    text = data.decode(encoding)
    head = text[: SNIFF_BYTES * 4]
    if head and len(_CONTROL.findall(head)) > MAX_CONTROL_SHARE * len(head):
        raise FileRejected("binary content, not a text file (expected a CSV export)")
    return text


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
    head_lines = _head(text).splitlines()[:HEADER_SCAN_ROWS]
    delimiter = max(DELIMITERS, key=lambda d: sum(line.count(d) for line in head_lines[:5]))
    head_rows = list(csv.reader(head_lines, delimiter=delimiter))
    header_index = find_header(head_rows, header_score)
    # UTF-8 bytes go to Polars as they are (after a BOM); other encodings as re-encoded text.
    utf8 = {"utf-8": data, "utf-8-sig": data[3:]}.get(encoding) or text.encode("utf-8")
    try:
        frame = pl.read_csv(
            io.BytesIO(utf8),
            separator=delimiter,
            skip_rows=header_index,
            infer_schema=False,
        )
    except pl.exceptions.ComputeError as error:
        if "more fields" not in str(error):
            raise FileRejected(f"not a readable CSV table: {error}".splitlines()[0]) from error
        # A line with more fields than the header: the slower reader that keeps such lines aside.
        frame, malformed = split_ragged(text, delimiter, header_index)
        return TextTable(frame, encoding, header_index + 1, malformed=malformed)
    except pl.exceptions.PolarsError as error:
        raise FileRejected(f"not a readable CSV table: {error}".splitlines()[0]) from error
    # Data row i sits on line header_index + 2 + i (1-based); blank lines come through as null rows.
    frame = frame.with_row_index(LINE, offset=header_index + 2).with_columns(
        pl.col(LINE).cast(pl.Int64)
    )
    return TextTable(frame, encoding, header_index + 1)


def _head(text: str) -> str:
    """The text up to its HEADER_SCAN_ROWS-th line break (where a header can be), not the
    whole file: splitting every line of a large export only to look at its first ones costs."""
    end = -1
    for _ in range(HEADER_SCAN_ROWS + 1):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[:end]


def split_ragged(text: str, delimiter: str, header_index: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows of a CSV whose lines may carry more fields than the header: (table, malformed lines).

    A longer line cannot be mapped onto the columns (which field is the stray one?), so it is set
    aside whole with its line number; blank fields after the last column (a trailing delimiter)
    are dropped, and a shorter line is padded with blanks.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    rows: list[list[str | None]] = []
    malformed: list[tuple[int, str, str, str]] = []
    line_end = 0
    for fields in reader:
        line, line_end = line_end + 1, reader.line_num  # a quoted value may span lines
        if line <= header_index:
            continue
        if line == header_index + 1:
            header = _unique_names(fields)
        elif any(value.strip() for value in fields[len(header) :]):
            malformed.append((
                line,
                delimiter.join(fields),
                f"line has {len(fields)} fields, the header has {len(header)} "
                "(a delimiter inside an unquoted value?)",
                json.dumps(fields, ensure_ascii=False),
            ))  # fmt: skip
        else:
            rows.append([line, *fields[: len(header)], *[None] * (len(header) - len(fields))])
    frame = pl.DataFrame(
        rows, schema={LINE: pl.Int64, **dict.fromkeys(header, pl.Utf8)}, orient="row"
    )
    return frame, pl.DataFrame(malformed, schema=MALFORMED_SCHEMA, orient="row")


def read_xlsx(path: Path, header_score: Callable[[list[str]], int]) -> TextTable:
    try:
        # skip_rows=0 keeps leading empty rows, so row i of the grid is Excel row i + 1.
        sheet = fastexcel.read_excel(str(path)).load_sheet(
            0, header_row=None, dtypes="string", skip_rows=0
        )
    except Exception as error:  # fastexcel raises its own error types for each kind of damage
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FileRejected(
            f"not a readable .xlsx workbook (damaged, or not really an .xlsx?): {first_line}"
        ) from error
    grid = sheet.to_polars()
    if grid.height == 0:
        raise FileRejected("the first sheet is empty (expected a header row and data rows)")
    merged = merged_ranges(path)
    notes = []
    if merged:
        first_column = sheet.available_columns()[0].absolute_index
        grid = fill_merged(grid, merged, first_column)
        notes.append(f"{len(merged)} merged cell range(s) read as their top-left value")
    head_rows = [
        ["" if v is None else v for v in row] for row in grid.head(HEADER_SCAN_ROWS).rows()
    ]
    header_index = find_header(head_rows, header_score)
    names = _unique_names(head_rows[header_index])
    frame = grid.slice(header_index + 1).rename(dict(zip(grid.columns, names, strict=True)))
    frame = frame.with_row_index(LINE, offset=header_index + 2).with_columns(
        pl.col(LINE).cast(pl.Int64)
    )
    return TextTable(frame, "xlsx", header_index + 1, notes)


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def column_index(letters: bytes) -> int:
    """Excel column letters to a 0-based index: A -> 0, Z -> 25, AA -> 26."""
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index - 1


def merged_ranges(path: Path) -> list[tuple[int, int, int, int]]:
    """The first sheet's merged ranges as 0-based (first row, first column, last row, last column).

    fastexcel does not report merges, so they are read from the sheet's XML.
    """
    try:
        with zipfile.ZipFile(path) as book:
            workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
            relation = workbook.find(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet").get(f"{_REL_NS}id")
            targets = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
            target = next(t.get("Target") for t in targets if t.get("Id") == relation)
            xml = book.read(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    except (KeyError, AttributeError, StopIteration, zipfile.BadZipFile, ElementTree.ParseError):
        return []  # an unusual layout: read the cells as they are
    return [
        (int(r1) - 1, column_index(c1), int(r2) - 1, column_index(c2))
        for c1, r1, c2, r2 in _MERGE_CELL.findall(xml)
    ]


def fill_merged(
    grid: pl.DataFrame, merged: list[tuple[int, int, int, int]], first_column: int
) -> pl.DataFrame:
    """Every cell of a merged range holds its top-left value, as the person reading the sheet sees.

    `first_column` is the sheet column of the grid's first column (the grid starts at the first
    used column).
    """
    columns = {name: grid[name].to_list() for name in grid.columns}
    names = grid.columns
    for first_row, left, last_row, right in merged:
        left, right = left - first_column, right - first_column
        if not 0 <= left < len(names) or first_row >= grid.height:
            continue
        value = columns[names[left]][first_row]
        for column in names[left : right + 1]:
            for row in range(first_row, min(last_row, grid.height - 1) + 1):
                if columns[column][row] is None:
                    columns[column][row] = value
    return pl.DataFrame(columns, schema=grid.schema)


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
    with path.open("rb") as handle:
        if handle.read(len(OLE2_MAGIC)) == OLE2_MAGIC:
            raise FileRejected(
                "encrypted or old .xls workbook (an OLE2 compound file, as Excel writes a "
                "password-protected workbook): expected an unprotected .xlsx, .csv or .parquet; "
                "remove the password and save it as .xlsx"
            )
    table = reader(path, header_score)
    blank = pl.all_horizontal(
        pl.exclude(LINE).is_null() | (pl.exclude(LINE).str.strip_chars() == "")
    )
    table.frame = table.frame.filter(~blank)
    return table
