"""The monthly health grade of every dealer (dealer_health), from the same numbers that
alert: its orders and its alerts.

The first grade that applies wins:
  dormant    no order for `dormant_months` months in a row;
  declining  an order_drop or sales_drop alert in the last `recent_months` months, or units
             ordered in those months `declining` below the same months a year before;
  at risk    any other alert in the last `recent_months` months;
  growing    units ordered in those months `growing` above the same months a year before,
             or ordering again where those months a year before had no orders at all;
  new        too little history to compare with a year before;
  stable     none of these.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from dealer_warnings.config import HealthSettings
from dealer_warnings.detect.signals import percent, period_label

DROPS = ("order_drop", "sales_drop")
YEAR = 12
HEALTH_COLUMNS = {
    "month": pl.Date,
    "dealer_id": pl.Utf8,
    "grade": pl.Utf8,
    "reason": pl.Utf8,
    "units_recent": pl.Float64,
    "units_year_before": pl.Float64,
    "change_on_year": pl.Float64,
    "months_without_orders": pl.Int64,
    "recent_alerts": pl.Utf8,
}


def grade_health(
    dealer_month: pl.DataFrame,
    alerts: pl.DataFrame,
    settings: HealthSettings,
    first: date,
    last: date,
) -> pl.DataFrame:
    """One grade per dealer-month of first..last; `alerts` must cover the `recent_months`
    months before `first` too (earlier alerts still count as recent)."""
    recent = settings.recent_months
    units = pl.col("units_ordered").cast(pl.Float64)
    ordered = pl.col("orders") > 0
    frame = (
        dealer_month.select("dealer_id", "month", "orders", "units_ordered")
        .sort("dealer_id", "month")
        .with_columns(
            units.rolling_sum(recent).over("dealer_id").alias("units_recent"),
            units.rolling_sum(recent).shift(YEAR).over("dealer_id").alias("units_year_before"),
            ordered.cum_sum().over("dealer_id").alias("orders_so_far"),
        )
        .with_columns(
            # no units a year before: nothing to compare with (not an infinite change)
            pl.when(pl.col("units_year_before") > 0)
            .then(pl.col("units_recent") / pl.col("units_year_before") - 1)
            .alias("change_on_year"),
            # months since the last order: count the order-less months since it
            (~ordered).cast(pl.Int64).cum_sum().over("dealer_id", "orders_so_far")
            .alias("months_without_orders"),
        )
    )  # fmt: skip
    fired = alerts.select("dealer_id", pl.col("month").alias("alert_month"), "indicator")
    recent_alerts = (
        frame.select("dealer_id", "month")
        .join(fired, on="dealer_id")
        .filter(
            (pl.col("alert_month") <= pl.col("month"))
            & (pl.col("alert_month") > pl.col("month").dt.offset_by(f"-{recent}mo"))
        )
        .group_by("dealer_id", "month")
        .agg(pl.col("indicator").unique().sort().str.join(", ").alias("recent_alerts"))
    )
    frame = frame.join(recent_alerts, on=["dealer_id", "month"], how="left")
    change = pl.col("change_on_year")
    alerted = pl.col("recent_alerts").fill_null("")
    dropped = pl.any_horizontal(alerted.str.contains(name) for name in DROPS)
    on_year = (
        pl.lit("units ordered in ")
        + period_label(recent)
        + " "
        + percent(change)
        + " on a year before"
    )
    # Orders again where the same months a year before had none: growth from nothing (not an
    # infinite change, and not a newcomer either: it has a year of history).
    restarted = (pl.col("units_year_before") == 0) & (pl.col("units_recent") > 0)
    grade = (
        pl.when(pl.col("months_without_orders") >= settings.dormant_months)
        .then(pl.lit("dormant"))
        .when(dropped | (change <= -settings.declining))
        .then(pl.lit("declining"))
        .when(alerted != "")
        .then(pl.lit("at risk"))
        .when((change >= settings.growing) | restarted)
        .then(pl.lit("growing"))
        .when(pl.col("units_year_before").is_null())
        .then(pl.lit("new"))
        .otherwise(pl.lit("stable"))
    )
    again = pl.format(
        "units ordered in {}: {}, none in the same months a year before",
        period_label(recent),
        pl.col("units_recent").round(0).cast(pl.Int64),
    )
    on_year = pl.when(restarted).then(again).otherwise(on_year)
    reason = (
        pl.when(pl.col("grade") == "dormant")
        .then(pl.format("No order for {} months.", pl.col("months_without_orders")))
        .when(pl.col("grade") == "new")
        .then(pl.lit("Less than a year of history to compare with."))
        .when(alerted != "")
        .then(pl.format("Alerts in the last {} months: {}; ", pl.lit(recent), alerted) + on_year.fill_null(pl.lit("no year-ago figures")) + ".")
        .otherwise(pl.concat_str(pl.lit("U"), on_year.str.slice(1), pl.lit(", no alerts.")))
    )  # fmt: skip
    return (
        frame.filter(pl.col("month").is_between(first, last))
        .with_columns(grade.alias("grade"))
        .with_columns(reason.alias("reason"))
        .select(pl.col(c).cast(t) for c, t in HEALTH_COLUMNS.items())
        .sort("month", "dealer_id")
    )
