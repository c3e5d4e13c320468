"""`dealer-warnings explain`: everything behind a dealer's rank in a month, read from the
warehouse (the readings, alerts, risk parts and health grade a run stored, and the alerts'
drill-down view), so what is shown is exactly what decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from dealer_warnings import warehouse
from dealer_warnings.months import add_months
from dealer_warnings.pipeline import InputError

HISTORY_MONTHS = 13  # the month explained and the year before it
DRILLDOWN_PARTS = 5  # parts shown per alert and dimension: those that moved most


@dataclass(frozen=True)
class Explanation:
    month: date
    headline: str
    history: pl.DataFrame  # the dealer's monthly numbers
    indicators: pl.DataFrame  # every indicator's reading that month
    parts: pl.DataFrame  # the parts of its risk score (none when it did not alert)
    drilldown: pl.DataFrame  # per alert: the SKUs, styles, categories that drove the change


def explain_dealer(
    con: duckdb.DuckDBPyConnection, dealer_id: str, month: date | None
) -> Explanation:
    dealer = con.sql(
        "SELECT dealer_id, dealer_name, region, tier, manager_name FROM stg_dealers "
        "WHERE dealer_id = ?",
        params=[dealer_id],
    ).pl()
    if dealer.height == 0:
        raise InputError(f"dealer {dealer_id} is not in the warehouse's dealers")
    if month is None:
        month = warehouse.first_row(con, "SELECT max(month) FROM indicator_readings")[0]
    readings = con.sql(
        "SELECT * FROM indicator_readings WHERE dealer_id = ? AND month = ? ORDER BY score DESC",
        params=[dealer_id, month],
    ).pl()
    if month is None or readings.height == 0:
        shown = "any month" if month is None else f"{month:%Y-%m}"
        raise InputError(
            f"no readings for {dealer_id} in {shown}: run `dealer-warnings backfill` for that "
            "month (a dealer needs some months of history before it is judged)"
        )
    risk = con.sql(
        "SELECT * FROM dealer_risk WHERE dealer_id = ? AND month = ?", params=[dealer_id, month]
    ).pl()
    ranked = warehouse.first_row(con, "SELECT count(*) FROM dealer_risk WHERE month = ?", [month])[
        0
    ]
    health = con.sql(
        "SELECT grade, reason FROM dealer_health WHERE dealer_id = ? AND month = ?",
        params=[dealer_id, month],
    ).pl()
    history = con.sql(
        "SELECT month, orders, units_ordered, avg_unit_price, sales_revenue, sales_units, "
        "complaints, quality_incidents FROM dealer_month "
        "WHERE dealer_id = ? AND month BETWEEN ? AND ? ORDER BY month",
        params=[dealer_id, add_months(month, 1 - HISTORY_MONTHS), month],
    ).pl()
    parts = con.sql(
        "SELECT part, score, weight, points, detail FROM dealer_risk_parts "
        "WHERE dealer_id = ? AND month = ? ORDER BY points DESC",
        params=[dealer_id, month],
    ).pl()
    drilldown = con.sql(
        "SELECT indicator, dimension, part, unit, value, baseline, contribution, "
        "share_of_change, rank FROM alert_drilldown WHERE dealer_id = ? AND month = ? "
        "ORDER BY indicator, dimension, rank",
        params=[dealer_id, month],
    ).pl()
    return Explanation(
        month,
        headline(dealer.row(0, named=True), month, risk, ranked, health),
        history.with_columns(pl.col("month").dt.strftime("%Y-%m")),
        indicator_table(readings),
        parts_table(parts),
        drilldown_table(drilldown),
    )


def headline(
    dealer: dict, month: date, risk: pl.DataFrame, ranked: int, health: pl.DataFrame
) -> str:
    """'D00012 Name (North / A, manager Li Wei), Oct 2026: rank 3 of 17, risk 12.4. Health: ...'"""
    who = (
        f"{dealer['dealer_id']} {dealer['dealer_name'] or ''} ({dealer['region']} / "
        f"{dealer['tier'] or '-'}, manager {dealer['manager_name'] or '-'}), {month:%b %Y}: "
    )
    if risk.height:
        row = risk.row(0, named=True)
        where = (
            f"rank {row['rank']} of {ranked} dealers to call, risk score {row['risk_score']:.1f}."
        )
    else:
        where = "no alert, not ranked."
    grade = f" Health: {health['grade'][0]}. {health['reason'][0]}" if health.height else ""
    return who + where + grade


def indicator_table(readings: pl.DataFrame) -> pl.DataFrame:
    """One row per indicator: the verdict, the numbers and the sentence, ready to print."""
    return readings.select(
        "indicator",
        pl.when(pl.col("fired")).then(pl.col("severity")).otherwise(pl.lit("-")).alias("alert"),
        _figure("value"),
        _figure("expected"),
        _figure("baseline"),
        (pl.col("peer_change") * 100).round(0).cast(pl.Int64).cast(pl.Utf8).add("%")
        .alias("peers"),
        pl.col("p_value").map_elements(lambda p: f"{p:.1e}", return_dtype=pl.Utf8).alias("p"),
        pl.col("score").round(1),
        pl.col("explanation").alias("why"),
    )  # fmt: skip


def parts_table(parts: pl.DataFrame) -> pl.DataFrame:
    """The parts of the risk score and their total, ready to print."""
    total = pl.DataFrame(
        {"part": ["= risk score"], "points": [parts["points"].sum()]},
        schema_overrides={"points": pl.Float64},
    )
    return pl.concat(
        [parts.with_columns(pl.col("score", "weight", "points").round(2)), total],
        how="diagonal_relaxed",
    )


def drilldown_table(drilldown: pl.DataFrame, shown: int = DRILLDOWN_PARTS) -> pl.DataFrame:
    """Per alert and dimension the `shown` parts that moved most its way, the rest summed as
    'other parts', and the whole change: what the parts add up to."""
    key = ["indicator", "dimension"]
    top = drilldown.filter(pl.col("rank") <= shown)
    rest = (
        drilldown.filter(pl.col("rank") > shown)
        .group_by(key, maintain_order=True)
        .agg(
            pl.format("{} other parts", pl.len()).alias("part"),
            pl.col("unit").first(),
            pl.col("contribution").sum(),
            pl.col("share_of_change").sum(),
        )
    )
    whole = drilldown.group_by(key, maintain_order=True).agg(
        pl.lit("= whole change").alias("part"),
        pl.col("unit").first(),
        pl.col("contribution").sum(),
        pl.col("share_of_change").sum(),
    )
    return (
        pl.concat(
            [
                top.with_columns(pl.lit(0).alias("order")),
                rest.with_columns(pl.lit(1).alias("order")),
                whole.with_columns(pl.lit(2).alias("order")),
            ],
            how="diagonal_relaxed",
        )
        .sort("indicator", "dimension", "order", "rank", nulls_last=True, maintain_order=True)
        .select(
            *key,
            "part",
            "unit",
            _figure("value"),
            _figure("baseline"),
            pl.when(pl.col("unit") == "price index")  # index points: 0.031 -> 3.1 pts
            .then(pl.format("{} pts", (pl.col("contribution") * 100).round(1)))
            .otherwise(_figure("contribution"))
            .alias("contribution"),
            (pl.col("share_of_change") * 100).round(0).cast(pl.Int64).cast(pl.Utf8).add("%")
            .alias("share"),
        )
    )  # fmt: skip


def _figure(column: str) -> pl.Expr:
    """A measure rounded for reading: whole numbers from 100 up, else two decimals."""
    value = pl.col(column)
    return (
        pl.when(value.abs() >= 100)
        .then(value.round(0).cast(pl.Int64, strict=False).cast(pl.Utf8))
        .otherwise(value.round(2).cast(pl.Utf8))
        .alias(column)
    )
