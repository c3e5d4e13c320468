"""Alert lifecycle: what each (dealer, indicator) problem is this month, and what is due to be told.

Pure functions of small tables, so each decision is tested on hand-made rows. `lifecycle` reads
the stored alerts (it never recomputes an indicator); `due_events` weighs what was already
announced and what people acknowledged or snoozed.
"""

from __future__ import annotations

from datetime import date

import polars as pl

KEY = ["dealer_id", "indicator"]
SEVERITY_RANK = {"warning": 1, "critical": 2}
STATUSES = ("new", "escalated", "ongoing", "resolved")  # the order a digest lists changes in
EVENT_COLUMNS = [
    "month",
    "dealer_id",
    "indicator",
    "status",
    "severity",
    "previous_severity",
    "score",
    "explanation",
    "opened_month",
]


def severity_rank(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(SEVERITY_RANK, default=0, return_dtype=pl.Int8)


def _month_index(column: str = "month") -> pl.Expr:
    return pl.col(column).dt.year().cast(pl.Int32) * 12 + pl.col(column).dt.month().cast(pl.Int32)


def lifecycle(alerts: pl.DataFrame, month: date) -> pl.DataFrame:
    """One row per problem alerting in `month` or in the month before (columns EVENT_COLUMNS).

    `alerts`: month, dealer_id, indicator, severity, score, explanation. A problem is an unbroken
    run of monthly alerts of one indicator at one dealer: `new` in its first month, `escalated`
    when its severity rose since the month before, `ongoing` otherwise, and `resolved` in the
    first month without an alert (with its last alert's severity and sentence).
    """
    this_month = date(month.year, month.month, 1)
    index = this_month.year * 12 + this_month.month
    history = (
        alerts.filter(pl.col("month") <= this_month)
        .with_columns(_month_index().alias("index"))
        .sort("index")
        # Along an unbroken run, month index minus position within the pair stays constant.
        .with_columns((pl.col("index") - pl.int_range(pl.len()).over(KEY)).alias("run"))
        .with_columns(pl.col("month").min().over([*KEY, "run"]).alias("opened_month"))
    )
    current = history.filter(pl.col("index") == index)
    previous = history.filter(pl.col("index") == index - 1)
    active = current.join(
        previous.select(*KEY, pl.col("severity").alias("previous_severity")), on=KEY, how="left"
    ).with_columns(
        pl.when(pl.col("previous_severity").is_null())
        .then(pl.lit("new"))
        .when(severity_rank("severity") > severity_rank("previous_severity"))
        .then(pl.lit("escalated"))
        .otherwise(pl.lit("ongoing"))
        .alias("status")
    )
    resolved = previous.join(current, on=KEY, how="anti").with_columns(
        pl.lit("resolved").alias("status"), pl.col("severity").alias("previous_severity")
    )
    return (
        pl.concat([active.select(EVENT_COLUMNS[1:]), resolved.select(EVENT_COLUMNS[1:])])
        .with_columns(pl.lit(this_month).alias("month"))
        .select(EVENT_COLUMNS)
        .sort(KEY)
    )


def due_events(
    events: pl.DataFrame, announced: pl.DataFrame, silences: pl.DataFrame, today: date
) -> pl.DataFrame:
    """The events to tell now, with the `change` to announce (new / escalated / ongoing / resolved).

    `announced`: what digests already told about the month (month, dealer_id, indicator, change,
    severity); an event told at its severity or worse is not told again, so a rerun sends nothing,
    while one that got worse since is told as `escalated`. `silences`: ack / snooze rows (see
    sql/schema/alert_silences.sql); an active one holds back its problem unless the problem
    resolved or got worse than the silenced severity. An ack covers one problem (its
    opened_month), a snooze the pair until its end date.
    """
    is_resolved = (pl.col("status") == "resolved").alias("is_resolved")
    told = (
        announced.with_columns((pl.col("change") == "resolved").alias("is_resolved"))
        .group_by("month", *KEY, "is_resolved")
        .agg(severity_rank("severity").max().alias("told_rank"))
    )
    untold = (
        events.with_columns(is_resolved)
        .join(told, on=["month", *KEY, "is_resolved"], how="left")
        .filter(pl.col("told_rank").is_null() | (severity_rank("severity") > pl.col("told_rank")))
    )
    active_silences = silences.filter(pl.col("until").is_null() | (pl.col("until") > today)).select(
        *KEY,
        "kind",
        pl.col("severity").alias("silenced_severity"),
        pl.col("opened_month").alias("silenced_problem"),
    )
    held_back = (
        untold.join(active_silences, on=KEY)
        .filter(
            ~pl.col("is_resolved")
            & (severity_rank("severity") <= severity_rank("silenced_severity"))
            & (
                (pl.col("kind") == "snooze")
                | (pl.col("opened_month") == pl.col("silenced_problem"))
            )
        )
        .select(KEY)
        .unique()
    )
    change = (
        pl.when(pl.col("told_rank").is_not_null() & ~pl.col("is_resolved"))
        .then(pl.lit("escalated"))
        .otherwise(pl.col("status"))
    )
    return (
        untold.join(held_back, on=KEY, how="anti")
        .with_columns(change.alias("change"))
        .select(*EVENT_COLUMNS, "change")
        .sort(KEY)
    )
