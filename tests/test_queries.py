"""docs/queries.sql: each of the ten analyst questions runs on the demo warehouse and answers."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

QUERIES_FILE = Path(__file__).parents[1] / "docs" / "queries.sql"
QUESTION = re.compile(r"^-- (\d+)\. (.+)$", re.MULTILINE)


def questions() -> list[tuple[int, str, str]]:
    """(number, question, SQL) for each `-- N. question` header and the text up to the next."""
    text = QUERIES_FILE.read_text(encoding="utf-8")
    headers = list(QUESTION.finditer(text))
    ends = [header.start() for header in headers[1:]] + [len(text)]
    return [
        (int(header.group(1)), header.group(2), text[header.end() : end])
        for header, end in zip(headers, ends, strict=True)
    ]


def test_the_file_holds_ten_numbered_questions():
    assert [number for number, _, _ in questions()] == list(range(1, 11))


@pytest.mark.parametrize(
    ("number", "question", "sql"), questions(), ids=[f"q{n}" for n, _, _ in questions()]
)
def test_each_question_returns_rows_on_the_demo_warehouse(demo_warehouse, number, question, sql):
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        rows = con.execute(sql).fetchall()
    assert rows, f"question {number} ({question}) returned no rows"
