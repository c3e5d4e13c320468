"""The documented warehouse: every analyst-facing table and view states its grain and what each
column means, the comments survive the rebuild of the marts, and `schema` prints them."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dealer_warnings import warehouse
from dealer_warnings.cli import app

README = Path(__file__).parents[1] / "README.md"
ANALYST_OBJECTS = (
    "dealer_month",
    "dealer_sku_month",
    "dealer_style_month",
    "dealer_category_month",
    "dealer_defect_month",
    "dealer_case_month",
    "alerts",
    "indicator_readings",
    "dealer_risk",
    "dealer_risk_parts",
    "ranked_alerts",
    "dealer_health",
    "peer_benchmarks",
    "complaints_by_category",
    "alert_outcomes",
    "alert_drilldown",
    "alert_events",
    "alert_silences",
    "notifications",
    "notification_items",
    "loads",
    "quarantine",
    "runs",
    "stg_dealers",
    "stg_sales",
    "stg_orders",
    "stg_complaints",
    "stg_quality",
)
COMMENTED = sorted(path.stem for path in (warehouse.SQL_DIR / "comments").glob("*.sql"))


def documentation(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, dict]]:
    """name -> (the object's comment, {column: comment}) for every table and view."""
    objects = dict(
        con.execute(
            "SELECT table_name, comment FROM duckdb_tables() "
            "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    )
    columns: dict[str, dict] = {name: {} for name in objects}
    for table, column, comment in con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns()"
    ).fetchall():
        if table in columns:
            columns[table][column] = comment
    return {name: (comment, columns[name]) for name, comment in objects.items()}


@pytest.fixture(scope="module")
def fresh() -> dict[str, tuple[str | None, dict]]:
    with duckdb.connect() as con:
        warehouse.migrate(con)
        return documentation(con)


def test_every_analyst_object_has_a_comment_file():
    assert set(ANALYST_OBJECTS) <= set(COMMENTED)


@pytest.mark.parametrize("name", COMMENTED)
def test_a_documented_object_states_its_grain_and_every_column(fresh, name):
    comment, columns = fresh[name]
    assert comment and comment.startswith("Grain: "), comment
    undocumented = [column for column, text in columns.items() if not text]
    assert not undocumented, f"{name}: document {undocumented} in sql/comments/{name}.sql"


def test_the_comments_survive_a_run_that_rebuilds_the_marts(demo_warehouse):
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        documented = documentation(con)
    for name in ANALYST_OBJECTS:
        comment, columns = documented[name]
        assert comment and all(columns.values()), name


def test_the_readme_lists_every_analyst_object():
    section = README.read_text(encoding="utf-8").split("## Output: the warehouse", 1)[1]
    section = section.split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z_<>]+)`", section))
    missing = [
        name
        for name in ANALYST_OBJECTS
        if name not in listed and not (name.startswith("stg_") and "stg_<source>" in listed)
    ]
    assert not missing


def test_schema_prints_grain_columns_and_meanings(demo_warehouse):
    result = CliRunner().invoke(
        app, ["schema", "peer_benchmarks", "--db", str(demo_warehouse)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "peer_benchmarks (view): Grain: one row per month and peer group" in result.output
    assert "units_ordered_p90" in result.output
    assert "90th percentile of units ordered, units" in result.output


def test_schema_without_a_warehouse_shows_what_a_run_creates(tmp_path):
    result = CliRunner().invoke(
        app, ["schema", "--db", str(tmp_path / "none.duckdb")], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    for name in ANALYST_OBJECTS:
        assert f"{name} (" in result.output
    assert not (tmp_path / "none.duckdb").exists()


def test_schema_of_an_unknown_object_exits_2(demo_warehouse):
    result = CliRunner().invoke(app, ["schema", "no_such_view", "--db", str(demo_warehouse)])
    assert result.exit_code == 2
