"""How good are the alerts? Compare backfilled alerts with labelled events and traps.

An alert is *true* when the same dealer has a labelled event of the same indicator that
started at most `match_months` months before it (a lasting problem keeps alerting while it
lasts); every other alert is *false*. An event is *found* when an alert matches it.
A trap is *tripped* when its dealer gets an alert of the trap's indicator in the trap month
or the month after.
"""

from __future__ import annotations

import polars as pl

# A sustained problem (orders, prices, sell-out stay low) keeps alerting until the dealer's
# baseline has absorbed it; a spike is over after a month.
MATCH_MONTHS = {"order_drop": 6, "price_drop": 6, "sales_drop": 6}
SPIKE_MATCH_MONTHS = 1
TRAP_MONTHS = 1
LABEL_COLUMNS = ("dealer_id", "month", "indicator", "kind")


def read_labels(path) -> pl.DataFrame:
    """labels.csv: dealer_id, month (YYYY-MM), indicator, kind (event | trap), note."""
    labels = pl.read_csv(path, infer_schema=False)
    missing = [c for c in LABEL_COLUMNS if c not in labels.columns]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(LABEL_COLUMNS)})"
        )
    return labels.with_columns(
        (pl.col("month").str.slice(0, 7) + "-01").str.to_date("%Y-%m-%d").alias("month")
    )


def _months_after(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later).dt.year() - pl.col(earlier).dt.year()) * 12 + (
        pl.col(later).dt.month() - pl.col(earlier).dt.month()
    )


def match_alerts(alerts: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Each alert with `event_month` set when it matches a labelled event."""
    events = labels.filter(pl.col("kind") == "event").select(
        "dealer_id", "indicator", pl.col("month").alias("event_month")
    )
    window = pl.col("indicator").replace_strict(MATCH_MONTHS, default=SPIKE_MATCH_MONTHS)
    lag = _months_after("month", "event_month")
    matched = (
        alerts.join(events, on=["dealer_id", "indicator"], how="inner")
        .filter((lag >= 0) & (lag <= window))
        .group_by("month", "dealer_id", "indicator")
        .agg(pl.col("event_month").min())
    )
    return alerts.join(matched, on=["month", "dealer_id", "indicator"], how="left")


def evaluate(
    alerts: pl.DataFrame, labels: pl.DataFrame, dealer_months: int, indicators: tuple[str, ...]
) -> pl.DataFrame:
    """One row per indicator: events, found, recall, alerts, false alerts, precision (of
    alerts and of flagged dealers), false alerts per 1000 dealer-months, traps tripped."""
    first, last = alerts["month"].min(), alerts["month"].max()
    in_range = labels.filter(pl.col("month").is_between(first, last)) if first else labels.clear()
    scored = match_alerts(alerts, in_range)
    rows = []
    for indicator in indicators:
        mine = scored.filter(pl.col("indicator") == indicator)
        events = in_range.filter((pl.col("kind") == "event") & (pl.col("indicator") == indicator))
        traps = in_range.filter((pl.col("kind") == "trap") & (pl.col("indicator") == indicator))
        found = (
            mine.filter(pl.col("event_month").is_not_null())
            .select("dealer_id", "event_month")
            .unique()
        )
        tripped = traps.join(
            mine.select("dealer_id", pl.col("month").alias("alert_month")), on="dealer_id"
        ).filter(_months_after("alert_month", "month").is_between(0, TRAP_MONTHS))
        true_alerts = mine["event_month"].is_not_null().sum()
        flagged = mine.select("dealer_id").unique()
        rightly_flagged = (
            mine.filter(pl.col("event_month").is_not_null()).select("dealer_id").unique()
        )
        rows.append(
            {
                "indicator": indicator,
                "events": events.height,
                "found": found.height,
                "recall": found.height / events.height if events.height else None,
                "alerts": mine.height,
                "false_alerts": mine.height - true_alerts,
                "precision": true_alerts / mine.height if mine.height else None,
                "dealer_precision": rightly_flagged.height / flagged.height
                if flagged.height
                else None,
                "false_per_1000_dealer_months": 1000
                * (mine.height - true_alerts)
                / max(dealer_months, 1),
                "traps": traps.height,
                "traps_tripped": tripped.select("dealer_id").unique().height,
            }
        )
    return pl.DataFrame(rows)
