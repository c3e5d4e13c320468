"""How good are the alerts? Compare backfilled alerts with labelled events and traps.

- An alert is *true* when the same dealer has a labelled event of the same indicator that
  started at most `MATCH_MONTHS` months before it (a lasting problem keeps alerting while
  it lasts), *related* when the dealer has an event of another indicator that started up to
  `RELATED_MONTHS` months before (a lasting one: `MATCH_MONTHS`) (a dealer that stops buying
  also sells less of ours), and *false* otherwise.
- An event is *found* when an alert of its indicator comes within `FOUND_MONTHS` months of
  its start (early enough to call the dealer).
- An event that starts in the last `FOUND_MONTHS` months evaluated is *pending*: the data
  ends before it could be found in time, so it is left out of recall (it still makes its
  dealer's alerts right).
- A trap is *tripped* when its dealer gets an alert of the trap's indicator in the trap month
  or the month after.
- Dealer level: a flagged dealer is right when it has an event in the evaluated months; an
  event dealer (one with an event that is not pending) is found when any of its alerts is
  related to its events.

Without labels, the outcome the data itself shows is used: a dealer goes *dormant* when it
stops ordering for `DORMANT_MONTHS` months in a row after ordering before. An alert up to
`LEAD_MONTHS` months before it stops (or while the silence is not yet long enough to tell)
warned of it; the lead time is how many months before its first month without an order the
first such alert came.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from dealer_warnings.config import Settings
from dealer_warnings.detect import INDICATORS
from dealer_warnings.months import add_months

# A lasting problem (orders, prices, sell-out stay low, cases stay open, stock piles up, a
# style is bought elsewhere) keeps alerting until the dealer's own baseline has absorbed it,
# which takes up to a year; a spike is over after a month.
LASTING = (
    "order_drop", "price_drop", "sales_drop", "service_overdue", "sellthrough_gap", "style_shift",
)  # fmt: skip
MATCH_MONTHS = dict.fromkeys(LASTING, 12)
SPIKE_MATCH_MONTHS = 1
RELATED_MONTHS = 6
FOUND_MONTHS = 2
TRAP_MONTHS = 1
DORMANT_MONTHS = 3  # months in a row without an order that make a dealer dormant
LEAD_MONTHS = 6  # an alert this many months before a dealer stops ordering still warned of it
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
    (true, or the dealer has an event of another indicator that started up to RELATED_MONTHS
    months before, or up to that event's MATCH_MONTHS while a lasting one lasts)."""
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
    consequences = pl.col("event_indicator").replace_strict(MATCH_MONTHS, default=RELATED_MONTHS)
    related = (
        pairs.filter((same & lag.is_between(0, window)) | (~same & lag.is_between(0, consequences)))
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
    alerts: pl.DataFrame,
    labels: pl.DataFrame,
    dealer_months: int,
    indicators: tuple[str, ...],
    first: date | None = None,
    last: date | None = None,
) -> pl.DataFrame:
    """One row per indicator and one for all of them: events, pending, found, recall, alerts,
    false alerts, precision, false alerts per 1000 dealer-months, traps tripped; the `all`
    row's precision and recall are per dealer. The months default to the alerts' range."""
    first = first or alerts["month"].min()
    last = last or alerts["month"].max()
    in_range = labels.filter(pl.col("month").is_between(first, last)) if first else labels.clear()
    pending = _months_after_date(last, "month") < FOUND_MONTHS
    scored = match_alerts(alerts, in_range)
    found_in_time = _months_after("month", "event_month") <= FOUND_MONTHS
    rows = []
    for indicator in indicators:
        mine = scored.filter(pl.col("indicator") == indicator)
        events = in_range.filter((pl.col("kind") == "event") & (pl.col("indicator") == indicator))
        judged = events.filter(~pending).select("dealer_id", pl.col("month").alias("event_month"))
        traps = in_range.filter((pl.col("kind") == "trap") & (pl.col("indicator") == indicator))
        found = (
            mine.filter(found_in_time)
            .select("dealer_id", "event_month")
            .unique()
            .join(judged, on=["dealer_id", "event_month"], how="semi")
        )
        alert_months = mine.select("dealer_id", pl.col("month").alias("alert_month"))
        tripped = traps.join(alert_months, on="dealer_id").filter(
            _months_after("alert_month", "month").is_between(0, TRAP_MONTHS)
        )
        false_alerts = mine.filter(~pl.col("related")).height
        rows.append(
            {
                "indicator": indicator,
                "events": judged.height,
                "pending": events.height - judged.height,
                "found": found.height,
                "recall": _ratio(found.height, judged.height),
                "alerts": mine.height,
                "false_alerts": false_alerts,
                "precision": _ratio(mine.height - false_alerts, mine.height),
                "false_per_1000_dealer_months": 1000 * false_alerts / max(dealer_months, 1),
                "traps": traps.height,
                "traps_tripped": tripped.select("dealer_id").unique().height,
            }
        )
    dealers = _dealer_level(scored, in_range, pending, dealer_months)
    return pl.concat([pl.DataFrame(rows), dealers], how="vertical_relaxed")


def _dealer_level(
    scored: pl.DataFrame, labels: pl.DataFrame, pending: pl.Expr, dealer_months: int
) -> pl.DataFrame:
    events = labels.filter(pl.col("kind") == "event")
    event_dealers = events.select("dealer_id").unique()
    judged = events.filter(~pending).select("dealer_id").unique()
    flagged = scored.select("dealer_id").unique()
    right = flagged.join(event_dealers, on="dealer_id", how="semi")
    found = (
        scored.filter(pl.col("related"))
        .select("dealer_id")
        .unique()
        .join(judged, on="dealer_id", how="semi")
    )
    traps = labels.filter(pl.col("kind") == "trap")
    false_alerts = scored.filter(~pl.col("related")).height
    return pl.DataFrame(
        [
            {
                "indicator": "all (per dealer)",
                "events": judged.height,
                "pending": event_dealers.height - judged.height,
                "found": found.height,
                "recall": _ratio(found.height, judged.height),
                "alerts": flagged.height,
                "false_alerts": flagged.height - right.height,
                "precision": _ratio(right.height, flagged.height),
                "false_per_1000_dealer_months": 1000 * false_alerts / max(dealer_months, 1),
                "traps": traps.height,
                "traps_tripped": None,
            }
        ]
    )


def dormancy_onsets(dealer_month: pl.DataFrame) -> pl.DataFrame:
    """Every (dealer_id, dormant_from): the first month of DORMANT_MONTHS or more months in a
    row without an order, after the dealer had ordered before, seen in full in the data."""
    no_order = pl.col("orders") == 0
    after = [no_order.shift(-k).over("dealer_id") for k in range(1, DORMANT_MONTHS)]
    return (
        dealer_month.select("dealer_id", "month", "orders")
        .sort("dealer_id", "month")
        .filter(
            no_order
            & pl.all_horizontal(after).fill_null(False)
            & (pl.col("orders").shift(1).over("dealer_id") > 0)
        )
        .select("dealer_id", pl.col("month").alias("dormant_from"))
    )


def dormancy_table(
    alerts: pl.DataFrame,
    onsets: pl.DataFrame,
    dealer_months: int,
    indicators: tuple[str, ...],
    first: date,
    last: date,
) -> pl.DataFrame:
    """The outcome-only figures, one row per indicator and one for any alert: dealers that went
    dormant in first..last, how many an alert warned of and how early (mean lead in months),
    and of the alerts whose next LEAD_MONTHS months the data shows, how many a dormancy
    followed (precision) and how many not (false per 1000 dealer-months)."""
    dormant = onsets.filter(pl.col("dormant_from").is_between(first, last))
    lead = _months_after("dormant_from", "month")
    warnings = alerts.join(dormant, on="dealer_id").filter(
        lead.is_between(-(DORMANT_MONTHS - 1), LEAD_MONTHS)
    )
    followed_up = alerts.filter(_months_after_date(last, "month") >= LEAD_MONTHS)
    followed = followed_up.join(
        followed_up.join(onsets, on="dealer_id")
        .filter(lead.is_between(-(DORMANT_MONTHS - 1), LEAD_MONTHS))
        .select("month", "dealer_id", "indicator")
        .unique(),
        on=["month", "dealer_id", "indicator"],
        how="semi",
    )
    per_indicator = [
        _dormancy_row(
            indicator,
            dormant,
            *(
                f.filter(pl.col("indicator") == indicator)
                for f in (warnings, followed_up, followed)
            ),
            dealer_months,
        )
        for indicator in indicators
    ]
    unique_alerts = (f.unique(["month", "dealer_id"]) for f in (warnings, followed_up, followed))
    anything = _dormancy_row("any alert", dormant, *unique_alerts, dealer_months)
    return pl.DataFrame([*per_indicator, anything])


def _dormancy_row(
    name: str,
    dormant: pl.DataFrame,
    warnings: pl.DataFrame,
    followed_up: pl.DataFrame,
    followed: pl.DataFrame,
    dealer_months: int,
) -> dict:
    lead = _months_after("dormant_from", "month")
    warned = warnings.group_by("dealer_id", "dormant_from").agg(lead.max().alias("lead"))
    false_alerts = followed_up.height - followed.height
    return {
        "indicator": name,
        "went_dormant": dormant.height,
        "warned": warned.height,
        "recall": _ratio(warned.height, dormant.height),
        "mean_lead_months": warned["lead"].mean() if warned.height else None,
        "alerts_followed_up": followed_up.height,
        "followed_by_dormancy": followed.height,
        "precision": _ratio(followed.height, followed_up.height),
        "false_per_1000_dealer_months": 1000 * false_alerts / max(dealer_months, 1),
    }


def _months_after_date(later: date, earlier: str) -> pl.Expr:
    return (later.year - pl.col(earlier).dt.year()) * 12 + (
        later.month - pl.col(earlier).dt.month()
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Evaluation:
    """What `evaluate_folder` measured: the labelled figures (None without labels) and the
    dormancy figures, over first..last."""

    first: date
    last: date
    dealer_months: int
    labelled: pl.DataFrame | None
    dormancy: pl.DataFrame


def evaluate_folder(
    input_dir: Path,
    db_path: Path,
    settings: Settings,
    labels_path: Path | None = None,
    first: date | None = None,
    last: date | None = None,
) -> Evaluation:
    """Load a folder, backfill every month (default: from the 13th month with data to the
    last) as nightly runs would have, and score the alerts."""
    from dealer_warnings import pipeline, warehouse

    pipeline.load(input_dir, db_path, settings)
    first_data, last_data = pipeline.data_months(db_path, settings)
    first = first or add_months(first_data, 12)
    last = last or last_data
    pipeline.backfill_months(db_path, first, last, settings)
    truth = read_labels(labels_path) if labels_path else None
    con = warehouse.connect(db_path, settings.warehouse, read_only=True)
    try:
        alerts = con.sql(
            "SELECT * FROM alerts WHERE month BETWEEN ? AND ?", params=[first, last]
        ).pl()
        dealer_month = con.sql("SELECT dealer_id, month, orders FROM dealer_month").pl()
    finally:
        con.close()
    dealer_months = dealer_month.filter(pl.col("month").is_between(first, last)).height
    return Evaluation(
        first,
        last,
        dealer_months,
        None if truth is None else evaluate(alerts, truth, dealer_months, INDICATORS, first, last),
        dormancy_table(
            alerts, dormancy_onsets(dealer_month), dealer_months, INDICATORS, first, last
        ),
    )
