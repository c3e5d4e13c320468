"""How good are the alerts? Compare backfilled alerts with labelled events and traps.

- An alert is *true* when the same dealer has a labelled event of the same indicator that
  started at most `MATCH_MONTHS` months before it (a lasting problem keeps alerting while
  it lasts), *related* when the dealer has an event of another indicator in that window
  (a dealer that stops buying also sells less of ours), and *false* otherwise.
- An event is *found* when an alert of its indicator comes within `FOUND_MONTHS` months of
  its start (early enough to call the dealer).
- A trap is *tripped* when its dealer gets an alert of the trap's indicator in the trap month
  or the month after.
- Dealer level: a flagged dealer is right when it has an event in the evaluated months; an
  event dealer is found when any of its alerts matches its event.
"""

from __future__ import annotations

import polars as pl

# A sustained problem (orders, prices, sell-out stay low) keeps alerting until the dealer's
# baseline has absorbed it; a spike is over after a month.
MATCH_MONTHS = {"order_drop": 6, "price_drop": 6, "sales_drop": 6}
SPIKE_MATCH_MONTHS = 1
RELATED_MONTHS = 6
FOUND_MONTHS = 2
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
    """Each alert with `event_month` (the event of its indicator it belongs to) and `related`
    (true, or the dealer has an event of another indicator that started 0..RELATED_MONTHS
    months before)."""
    events = labels.filter(pl.col("kind") == "event").select(
        "dealer_id",
        pl.col("indicator").alias("event_indicator"),
        pl.col("month").alias("event_month"),
    )
    lag = _months_after("month", "event_month")
    window = pl.col("indicator").replace_strict(MATCH_MONTHS, default=SPIKE_MATCH_MONTHS)
    pairs = alerts.join(events, on="dealer_id", how="inner")
    keys = ["month", "dealer_id", "indicator"]
    matched = (
        pairs.filter((pl.col("event_indicator") == pl.col("indicator")) & lag.is_between(0, window))
        .group_by(keys)
        .agg(pl.col("event_month").min())
    )
    same = pl.col("event_indicator") == pl.col("indicator")
    related = (
        pairs.filter(
            (same & lag.is_between(0, window)) | (~same & lag.is_between(0, RELATED_MONTHS))
        )
        .select(keys)
        .unique()
        .with_columns(pl.lit(True).alias("related"))
    )
    return (
        alerts.join(matched, on=keys, how="left")
        .join(related, on=keys, how="left")
        .with_columns(pl.col("related").fill_null(False))
    )


def evaluate(
    alerts: pl.DataFrame, labels: pl.DataFrame, dealer_months: int, indicators: tuple[str, ...]
) -> pl.DataFrame:
    """One row per indicator and one for all of them: events, found, recall, alerts, false
    alerts, precision, false alerts per 1000 dealer-months, traps tripped; the `all` row's
    precision and recall are per dealer."""
    first, last = alerts["month"].min(), alerts["month"].max()
    in_range = labels.filter(pl.col("month").is_between(first, last)) if first else labels.clear()
    scored = match_alerts(alerts, in_range)
    found_in_time = _months_after("month", "event_month") <= FOUND_MONTHS
    rows = []
    for indicator in indicators:
        mine = scored.filter(pl.col("indicator") == indicator)
        events = in_range.filter((pl.col("kind") == "event") & (pl.col("indicator") == indicator))
        traps = in_range.filter((pl.col("kind") == "trap") & (pl.col("indicator") == indicator))
        found = mine.filter(found_in_time).select("dealer_id", "event_month").unique()
        alert_months = mine.select("dealer_id", pl.col("month").alias("alert_month"))
        tripped = traps.join(alert_months, on="dealer_id").filter(
            _months_after("alert_month", "month").is_between(0, TRAP_MONTHS)
        )
        false_alerts = mine.filter(~pl.col("related")).height
        rows.append(
            {
                "indicator": indicator,
                "events": events.height,
                "found": found.height,
                "recall": _ratio(found.height, events.height),
                "alerts": mine.height,
                "false_alerts": false_alerts,
                "precision": _ratio(mine.height - false_alerts, mine.height),
                "false_per_1000_dealer_months": 1000 * false_alerts / max(dealer_months, 1),
                "traps": traps.height,
                "traps_tripped": tripped.select("dealer_id").unique().height,
            }
        )
    return pl.concat(
        [pl.DataFrame(rows), _dealer_level(scored, in_range, dealer_months)], how="vertical_relaxed"
    )


def _dealer_level(scored: pl.DataFrame, labels: pl.DataFrame, dealer_months: int) -> pl.DataFrame:
    event_dealers = labels.filter(pl.col("kind") == "event").select("dealer_id").unique()
    flagged = scored.select("dealer_id").unique()
    right = flagged.join(event_dealers, on="dealer_id", how="semi")
    found = scored.filter(pl.col("related")).select("dealer_id").unique()
    traps = labels.filter(pl.col("kind") == "trap")
    false_alerts = scored.filter(~pl.col("related")).height
    return pl.DataFrame(
        [
            {
                "indicator": "all (per dealer)",
                "events": event_dealers.height,
                "found": found.height,
                "recall": _ratio(found.height, event_dealers.height),
                "alerts": flagged.height,
                "false_alerts": flagged.height - right.height,
                "precision": _ratio(right.height, flagged.height),
                "false_per_1000_dealer_months": 1000 * false_alerts / max(dealer_months, 1),
                "traps": traps.height,
                "traps_tripped": None,
            }
        ]
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
