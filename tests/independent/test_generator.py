"""The independent generator writes what the contract asks for, and labels what it injected."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from dealer_warnings import pipeline
from dealer_warnings.config import Settings
from dealer_warnings.detect import INDICATORS

from .generator import generate


@pytest.fixture(scope="module")
def dataset():
    return generate(seed=5, dealers=60, months=20)


def test_same_seed_same_data_other_seed_other_data(dataset) -> None:
    again = generate(seed=5, dealers=60, months=20)
    other = generate(seed=6, dealers=60, months=20)
    assert again.orders.equals(dataset.orders) and again.labels.equals(dataset.labels)
    assert not other.orders.equals(dataset.orders)


def test_labels_name_known_dealers_indicators_and_kinds(dataset) -> None:
    labels = dataset.labels
    assert set(labels["dealer_id"]) <= set(dataset.dealers["dealer_id"])
    assert set(labels["indicator"]) <= set(INDICATORS)
    assert set(labels["kind"]) == {"event", "trap"}
    events = labels.filter(pl.col("kind") == "event")
    assert events.select("dealer_id").n_unique() == events.unique(["dealer_id", "note"]).height


def test_sizes_span_two_orders_of_magnitude_with_returns_and_split_lines(dataset) -> None:
    big = generate(seed=9, dealers=200, months=18).orders
    monthly = (
        big.filter(pl.col("quantity") > 0)
        .group_by("dealer_id", pl.col("order_date").dt.truncate("1mo"))
        .agg(pl.col("order_id").n_unique().alias("orders"))
        .group_by("dealer_id")
        .agg(pl.col("orders").median())
    )
    assert monthly["orders"].min() <= 3 and monthly["orders"].max() >= 100
    returns = big.filter(pl.col("quantity") < 0)
    assert returns.height > 0 and returns["order_id"].str.starts_with("C").all()
    repeated = big.group_by("order_id", "sku").len().filter(pl.col("len") > 1)
    assert repeated.height > 0


def test_the_real_loader_takes_every_file_and_row(dataset, tmp_path: Path) -> None:
    dataset.write(tmp_path / "input")
    db = tmp_path / "warehouse.duckdb"
    pipeline.load(tmp_path / "input", db, Settings())
    with duckdb.connect(str(db), read_only=True) as con:
        loads = con.sql("SELECT file_name, status, rows_read, rows_quarantined FROM loads").pl()
        orders = con.sql("SELECT count(*) FROM stg_orders").fetchall()[0][0]
    data_files = loads.filter(pl.col("file_name") != "labels.csv")
    assert set(data_files["status"]) == {"loaded"}, loads
    assert loads["rows_quarantined"].sum() == 0, loads
    expected_files = {"dealers.xlsx", "quality_incidents.csv"}
    assert expected_files <= set(loads["file_name"])
    assert orders == dataset.orders.height
