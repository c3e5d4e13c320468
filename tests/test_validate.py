"""great-expectations as the second check: of every incoming batch, and of the marts after a run.

Real GX, real DuckDB files; a fault is injected only where the test says so, to show what the
second check does when the first one misses something.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from dealer_warnings import pipeline, validate, warehouse
from dealer_warnings.cli import app
from dealer_warnings.config import Settings
from dealer_warnings.contract import SOURCES
from dealer_warnings.ingest import parse
from dealer_warnings.ingest.parse import ParsedBatch, parse_batch
from dealer_warnings.ingest.readers import LINE
from dealer_warnings.ingest.rules import RuleKind, contract_rules

RUN_DATE = date(2026, 11, 30)
AS_OF = date(2026, 10, 1)
ORDERS = SOURCES["orders"]
ORDER_HEADER = "order_id,sku,dealer_id,order_date,quantity,unit_price"


def order_rows(*lines: str) -> pl.DataFrame:
    """Text rows as a reader hands them over, numbered from line 2."""
    cells = [line.split(",") for line in lines]
    columns = ORDER_HEADER.split(",")
    return pl.DataFrame(
        {LINE: list(range(2, len(lines) + 2)), **{c: [r[i] for r in cells] for i, c in enumerate(columns)}},
        schema={LINE: pl.Int64, **dict.fromkeys(columns, pl.Utf8)},
    )  # fmt: skip


def checked(rows: pl.DataFrame) -> tuple[ParsedBatch, validate.BatchCheck]:
    known = pl.Series(["D1", "D2"])
    parsed = parse_batch(rows, ORDERS, RUN_DATE, known)
    rules = contract_rules(ORDERS, RUN_DATE, ("D1", "D2"))
    return parsed, validate.check_batch("orders", rules, {"orders.csv": parsed})


def test_gx_flags_exactly_the_rows_parsing_quarantined_with_the_same_reasons():
    parsed, check = checked(
        order_rows(
            "O1,S1,D1,2026-10-01,5,10",
            "O2,S1,D1,2026-10-01,0,10",
            "O3,,D9,2026-12-01,2,-1",
            "O4,S1,D2,someday,x,3",
        )
    )

    gx_reasons = (
        check.failures_of("orders.csv")
        .group_by(LINE, maintain_order=True)
        .agg(pl.col("reason").str.join("; "))
        .sort(LINE)
    )
    assert gx_reasons.rows() == parsed.bad.select(LINE, "reason").sort(LINE).rows()
    assert gx_reasons[LINE].to_list() == [3, 4, 5]
    failing = {(o.column, o.problem): o.failed for o in check.outcomes if not o.success}
    assert failing == {
        ("quantity", "must not be 0"): 1,
        ("sku", "required value missing"): 1,
        ("dealer_id", "unknown dealer_id (not in the dealer master data)"): 1,
        ("order_date", "date after the run date 2026-11-30"): 1,
        ("unit_price", "must be >= 0"): 1,
        ("order_date", "expected a date (YYYY-MM-DD, YYYY/MM/DD or DD/MM/YYYY)"): 1,
        ("quantity", "expected a whole number"): 1,
    }
    assert {o.expectation for o in check.outcomes} >= {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_between",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_in_set",
    }


def test_every_contract_rule_has_an_expectation():
    for source in SOURCES.values():
        rules = contract_rules(source, RUN_DATE, ("D1",))
        expectations = [validate.expectation_for(rule) for rule in rules]
        assert len(expectations) == len(rules)
        assert {r.kind for r in rules} <= set(RuleKind)
        assert all(e.meta["problem"] for e in expectations)


def test_reconcile_quarantines_what_only_gx_flags_and_counts_the_agreement():
    parsed = parse_batch(
        order_rows("O1,S1,D1,2026-10-01,5,10", "O2,S1,D1,2026-10-01,0,10"), ORDERS, RUN_DATE
    )
    failures = pl.DataFrame(
        {LINE: [2, 3], "column_name": ["unit_price", "quantity"],
         "reason": ["unit_price: must be >= 0", "quantity: must not be 0"]},
    )  # fmt: skip

    reconciled, counts = validate.reconcile(parsed, failures)

    assert counts == {"confirmed": 1, "gx_only": 1, "parse_only": 0}
    assert reconciled.good.height == 0
    assert reconciled.bad.select(LINE, "column_name", "value", "reason").rows() == [
        (2, "unit_price", "10", "unit_price: must be >= 0" + validate.GX_NOTE),
        (3, "quantity", "0", "quantity: must not be 0"),
    ]


def load_with_gx_sample(folder, rows: int) -> tuple[pipeline.LoadReport, validate.BatchCheck]:
    """Load the folder with GX checking a sample of `rows` per source; the report and the
    orders' check."""
    ingest = folder.settings.ingest.model_copy(update={"gx_check_rows": rows})
    report = pipeline.load(
        folder.input, folder.db, folder.settings.model_copy(update={"ingest": ingest})
    )
    return report, next(c for c in report.checks if c.source == "orders")


def test_a_miss_of_parsing_in_the_sample_makes_gx_check_every_row(folder, zero_quantity_passes):
    # Every other order line has quantity 0; GX samples 10 of the 200 rows, then checks them all.
    lines = [f"O{i},S1,D1,2026-10-01,{i % 2},10" for i in range(200)]
    folder.write("orders.csv", ORDER_HEADER, *lines)

    _, orders_check = load_with_gx_sample(folder, 10)

    assert (orders_check.rows, orders_check.total, orders_check.gx_only) == (200, 200, 100)
    assert folder.rows("SELECT count(*), min(quantity) FROM stg_orders") == [(100, 1)]
    assert folder.rows("SELECT count(*) FROM quarantine WHERE column_name = 'quantity'") == [(100,)]


def test_a_clean_sample_is_reported_as_a_sample(folder):
    lines = [f"O{i},S1,D1,2026-10-01,{i + 1},10" for i in range(200)]
    folder.write("orders.csv", ORDER_HEADER, *lines)

    report, orders_check = load_with_gx_sample(folder, 10)

    assert (orders_check.rows, orders_check.total) == (10, 200)
    assert "checked 12 incoming row(s) (a sample of 202)" in report.summary()
    assert "GX checked 10 of them" in report.validation_report.read_text(encoding="utf-8")


def test_ranks_must_run_from_one_within_each_month():
    ranks = pl.DataFrame(
        {"month": [AS_OF] * 3 + [date(2026, 9, 1)] * 2, "dealer_id": ["A", "B", "C", "A", "B"],
         "rank": [1, 2, 3, 2, 2]},
    )  # fmt: skip
    assert validate.with_rank_gap(ranks)["rank_gap"].to_list() == [0, 0, 0, 1, 0]


class Folder:
    """An input folder with two dealers and their orders, and the warehouse it loads into."""

    def __init__(self, root: Path) -> None:
        self.input = root / "input"
        self.input.mkdir()
        self.db = root / "warehouse.duckdb"
        self.settings = Settings(ingest={"run_date": RUN_DATE})
        self.write("dealers.csv", "dealer_id,dealer_name,region", "D1,Alpha,North", "D2,Beta,South")

    def write(self, name: str, *lines: str) -> None:
        (self.input / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    def rows(self, query: str) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(query).fetchall()


@pytest.fixture
def folder(tmp_path) -> Folder:
    return Folder(tmp_path)


@pytest.fixture
def zero_quantity_passes(monkeypatch) -> None:
    """Fault injected: the Polars check for "quantity must not be 0" stops working."""
    working = parse.failing
    monkeypatch.setattr(
        parse,
        "failing",
        lambda rule: pl.lit(False) if rule.kind is RuleKind.NONZERO else working(rule),
    )


def test_a_row_the_parsing_checks_miss_is_quarantined_by_gx(folder, zero_quantity_passes):
    folder.write("orders.csv", ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", "O2,S1,D1,2026-10-02,0,10")

    report = pipeline.load(folder.input, folder.db, folder.settings)

    outcome = next(f for f in report.files if f.file_name == "orders.csv")
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (2, 1, 1)
    assert "caught by the great-expectations check only" in outcome.message
    assert folder.rows("SELECT line, column_name, value, reason FROM quarantine") == [
        (3, "quantity", "0", "quantity: must not be 0" + validate.GX_NOTE)
    ]
    assert folder.rows("SELECT order_id FROM stg_orders") == [("O1",)]
    orders_check = next(c for c in report.checks if c.source == "orders")
    assert (orders_check.confirmed, orders_check.gx_only) == (0, 1)
    assert "caught 1 more" in report.summary()


def test_a_run_writes_its_validation_report_and_records_where(folder):
    folder.write("orders.csv", ORDER_HEADER, "O1,S1,D1,2026-10-01,5,10", "O2,S1,D7,2026-10-02,1,10")

    result = pipeline.run(folder.input, folder.db, AS_OF, folder.settings)

    ((kind, recorded),) = folder.rows("SELECT kind, validation_report FROM runs")
    report = Path(recorded)
    assert kind == "run"
    assert report == folder.db.parent / "warehouse-validation" / "1" / "index.html"
    page = report.read_text(encoding="utf-8")
    for text in ("Incoming orders", "Incoming dealers", "Marts after the run",
                 "unknown dealer_id", "orders.csv line 3"):  # fmt: skip
        assert text in page
    assert result.marts.outcomes and not result.marts.failed
    assert {o.target for o in result.marts.outcomes} == {"dealer_month"}  # no alerts yet


def test_a_failed_mart_expectation_fails_the_run_and_keeps_nothing(folder, monkeypatch):
    folder.write("orders_1.csv", ORDER_HEADER, "O1,S1,D1,2026-08-01,5,10")
    pipeline.run(folder.input, folder.db, date(2026, 9, 1), folder.settings)
    before = folder.rows("SELECT count(*) FROM loads UNION ALL SELECT count(*) FROM runs")
    # Fault injected: the mart build writes one dealer-month twice, in the first month it
    # rebuilds (the check covers the months a run rebuilt; earlier ones were checked before).
    build = warehouse.build_marts

    def duplicating(con, as_of, run_id=None):
        since = build(con, as_of, run_id)
        con.execute(
            "INSERT INTO dealer_month SELECT * FROM dealer_month WHERE month = ? LIMIT 1", [since]
        )
        return since

    monkeypatch.setattr(warehouse, "build_marts", duplicating)
    folder.write("orders_2.csv", ORDER_HEADER, "O2,S1,D2,2026-09-01,5,10")

    with pytest.raises(validate.MartsInvalid) as failure:
        pipeline.run(folder.input, folder.db, AS_OF, folder.settings)

    assert "nothing of this run was kept" in str(failure.value)
    assert "dealer_month: more than one row per dealer-month: 2 row(s)" in str(failure.value)
    assert folder.rows("SELECT count(*) FROM loads UNION ALL SELECT count(*) FROM runs") == before
    assert folder.rows("SELECT order_id FROM stg_orders") == [("O1",)]
    assert (folder.db.parent / "warehouse-validation" / "2" / "index.html").is_file()

    result = CliRunner().invoke(
        app, ["run", "--input", str(folder.input), "--db", str(folder.db), "--as-of", "2026-10"],
        env={"DEALER_WARNINGS_INGEST__RUN_DATE": str(RUN_DATE)},
    )  # fmt: skip
    assert result.exit_code == 1
    assert "more than one row per dealer-month" in result.output


def test_the_quarantine_command_lists_rows_with_file_line_column_value_and_reason(folder):
    folder.write(
        "orders_a.csv", ORDER_HEADER, "O1,S1,D1,2026-10-01,0,10", "O2,S1,D1,2026-10-01,1,1"
    )
    folder.write("orders_b.csv", ORDER_HEADER, "O3,S1,D9,2026-10-01,1,1")
    run = CliRunner().invoke(
        app, ["run", "--input", str(folder.input), "--db", str(folder.db), "--as-of", "2026-10"],
        env={"DEALER_WARNINGS_INGEST__RUN_DATE": str(RUN_DATE)},
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "2 quarantined row(s): list them with `dealer-warnings quarantine" in run.output

    listed = CliRunner().invoke(app, ["quarantine", "--db", str(folder.db)])
    one_file = CliRunner().invoke(
        app, ["quarantine", "--db", str(folder.db), "--file", "orders_b.csv", "--limit", "5"]
    )

    assert listed.exit_code == one_file.exit_code == 0
    flat = "".join(listed.output.split())
    for text in (
        "orders_a.csv",
        "quantity",
        "mustnotbe0",
        "orders_b.csv",
        "D9",
        "unknowndealer_id",
    ):
        assert text in flat
    assert "Quarantinedrows:2,showing2" in flat
    assert "orders_a.csv" not in one_file.output
    assert "Quarantined rows: 1, showing 1" in one_file.output
