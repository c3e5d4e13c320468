"""Deciding the e-mails of a run: who is told which alert changes, and recording them in the outbox.

`plan_digests` is pure: due events, dealers, ranks and routing in, one Digest per recipient out.
`prepare_messages` is the thin part around it: it reads the warehouse, stores the month's
lifecycle in `alert_events`, and writes each e-mail, rendered whole, as a `pending` row of
`notifications` together with what it announces (`notification_items`). It runs inside the
caller's transaction, so a run either records both the e-mails and what they told, or neither.
"""

from __future__ import annotations

import email.policy
import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from dealer_warnings import warehouse
from dealer_warnings.notify.charts import trend_months, trend_png
from dealer_warnings.notify.lifecycle import KEY, due_events, lifecycle, severity_rank
from dealer_warnings.notify.render import Digest, render
from dealer_warnings.notify.routing import Routing, language_for, recipients_for

DEALER_COLUMNS = ["dealer_id", "dealer_name", "region", "tier", "manager_name", "manager_email"]


class NotDetected(ValueError):
    """Notification asked for a month whose alerts were never computed."""


@dataclass(frozen=True)
class Decided:
    """What a run decided to tell."""

    month: date
    events: Counter[str]  # the month's lifecycle, by status
    due: Counter[str]  # what is told now, by change
    held_back: int  # events not told: told before at that severity, or acknowledged / snoozed
    unrouted: list[str]  # dealers with something to tell and nobody to tell it to
    created: int  # e-mails recorded as pending by this run


def _alerts_by_dealer(rows: pl.DataFrame) -> list[dict]:
    """Rows of one recipient's events -> one dict per dealer, ranked, its alerts worst first."""
    dealers = []
    ordered = rows.sort(
        pl.col("rank").is_null(),
        "rank",
        "dealer_id",
        severity_rank("severity"),
        "score",
        "indicator",
        descending=[False, False, False, True, True, False],
    )
    for (dealer_id,), alerts in ordered.group_by("dealer_id", maintain_order=True):
        first = alerts.row(0, named=True)
        dealers.append(
            {column: first[column] for column in [*DEALER_COLUMNS, "rank", "risk_score"]}
            | {
                "dealer_id": dealer_id,
                "worst": "critical" if "critical" in alerts["severity"].to_list() else "warning",
                "alerts": alerts.select(
                    "indicator", "severity", "change", "explanation"
                ).to_dicts(),
            }
        )
    return dealers


def _digest(
    kind: str, recipient: str, rows: pl.DataFrame, announced: pl.DataFrame, **fields
) -> Digest:
    resolved = rows.filter(pl.col("change") == "resolved")
    active = rows.filter(pl.col("change") != "resolved")
    return Digest(
        kind=kind,
        recipient=recipient,
        dealers=_alerts_by_dealer(active),
        resolved=resolved.sort("dealer_id", "indicator")
        .select("dealer_id", "dealer_name", "indicator", "severity")
        .to_dicts(),
        changes=Counter(announced["change"].to_list()),
        announced=list(announced.select(*KEY, "change", "severity").sort(KEY).iter_rows()),
        **fields,
    )


def report_link(base_url: str | None, month: date) -> str | None:
    """Where the nightly flow's report of `month` is served: <base_url>/2026-10/index.html
    (it writes each month's report into its own folder of report.out_dir)."""
    return f"{base_url.rstrip('/')}/{month:%Y-%m}/index.html" if base_url else None


def plan_digests(
    due: pl.DataFrame,
    events: pl.DataFrame,
    dealers: pl.DataFrame,
    ranks: pl.DataFrame,
    routing: Routing,
    run_date: date,
    report_url: str | None = None,
) -> tuple[list[Digest], list[str]]:
    """One digest per recipient of the due events (each dealer's manager, the fallback for
    dealers without one, the matching rules' addresses), and, when anything is told, the
    director's summary of the month's top dealers. Also returns the dealers nobody can be told
    about (no manager, no fallback).

    `due`: due_events' output; `events`: the month's lifecycle; `dealers`: DEALER_COLUMNS;
    `ranks`: the month's dealer_risk (dealer_id, rank, risk_score); `report_url`: the month's
    report, linked from every e-mail.
    """
    if due.is_empty():
        return [], []
    month = due["month"][0]
    routes = pl.DataFrame(
        [
            (dealer["dealer_id"], address)
            for dealer in dealers.iter_rows(named=True)
            for address in recipients_for(dealer, routing)
        ],
        schema={"dealer_id": pl.String, "recipient": pl.String},
        orient="row",
    )
    detailed = due.join(dealers, on="dealer_id", how="left").join(ranks, on="dealer_id", how="left")
    routed = detailed.join(routes, on="dealer_id", how="left")
    unrouted = sorted(set(routed.filter(pl.col("recipient").is_null())["dealer_id"]))
    names = dict(
        dealers.filter(pl.col("manager_name").is_not_null())
        .select(pl.col("manager_email").str.strip_chars().str.to_lowercase(), "manager_name")
        .unique("manager_email", keep="first", maintain_order=True)
        .iter_rows()
    )
    digests = [
        _digest(
            "digest",
            recipient,
            rows,
            rows,
            language=language_for(recipient, routing),
            month=month,
            run_date=run_date,
            recipient_name=names.get(recipient),
            report_url=report_url,
        )
        for (recipient,), rows in routed.filter(pl.col("recipient").is_not_null())
        .sort("recipient")
        .group_by("recipient", maintain_order=True)
    ]
    if routing.director is not None:
        top = ranks.sort("rank").head(routing.director.top_n)
        board = pl.concat(
            [
                events.filter(pl.col("status") != "resolved")
                .join(top, on="dealer_id")
                .with_columns(pl.col("status").alias("change"))
                .join(dealers, on="dealer_id", how="left")
                .select(detailed.columns),
                detailed.filter(pl.col("change") == "resolved"),
            ]
        )
        digests += [
            _digest(
                "summary",
                address,
                board,
                due,
                language=language_for(address, routing),
                month=month,
                run_date=run_date,
                top_n=routing.director.top_n,
                report_url=report_url,
            )
            for address in routing.director.to
        ]
    return digests, unrouted


def notification_id(digest: Digest) -> str:
    """The idempotency key: a digest is its recipient, month and what it tells (so the same
    news is never recorded twice); a summary is its recipient, month and day (one a day)."""
    parts = [digest.kind, digest.recipient, digest.month.isoformat()]
    if digest.kind == "summary":
        parts.append(digest.run_date.isoformat())
    else:
        parts += ["|".join(item) for item in digest.announced]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _read(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pl.DataFrame:
    return con.sql(query, params=params or []).pl()


def prepare_messages(
    con: duckdb.DuckDBPyConnection,
    month: date,
    run_date: date,
    routing: Routing,
    sender: str,
    report_url: str | None = None,
) -> Decided:
    """Store the month's lifecycle, then record an e-mail per recipient of what is due (each
    linking `report_url`, the month's report, when given)."""
    detected = "SELECT ? IN (SELECT as_of FROM runs) OR ? IN (SELECT month FROM alerts)"
    if not warehouse.first_row(con, detected, [month, month])[0]:
        raise NotDetected(
            f"no alerts were computed for {month:%Y-%m}: run `dealer-warnings run --as-of "
            f"{month:%Y-%m}` (or backfill) first"
        )
    history = _read(
        con,
        "SELECT month, dealer_id, indicator, severity, score, explanation FROM alerts WHERE month <= ?",
        [month],
    )
    events = lifecycle(history, month)
    con.execute("DELETE FROM alert_events WHERE month = ?", [month])
    warehouse.append(con, "alert_events", events)

    announced = _read(
        con,
        "SELECT month, dealer_id, indicator, change, severity FROM notification_items WHERE month = ?",
        [month],
    )
    due = due_events(events, announced, _read(con, "SELECT * FROM alert_silences"), run_date)
    dealers = _read(con, f"SELECT {', '.join(DEALER_COLUMNS)} FROM stg_dealers")
    ranks = _read(
        con, "SELECT dealer_id, rank, risk_score FROM dealer_risk WHERE month = ?", [month]
    )
    digests, unrouted = plan_digests(due, events, dealers, ranks, routing, run_date, report_url)

    charts = _charts(con, month, {d["dealer_id"] for digest in digests for d in digest.dealers})
    created = sum(_record(con, digest, charts, sender) for digest in digests)
    return Decided(
        month=month,
        events=Counter(events["status"].to_list()),
        due=Counter(due["change"].to_list()),
        held_back=events.height - due.height,
        unrouted=unrouted,
        created=created,
    )


def _charts(con: duckdb.DuckDBPyConnection, month: date, dealer_ids: set[str]) -> dict[str, bytes]:
    """Each listed dealer's trend chart, drawn once however many e-mails show it."""
    months = trend_months(month)
    rows = _read(
        con,
        "SELECT dealer_id, month, units_ordered, sales_revenue FROM dealer_month "
        "WHERE month BETWEEN ? AND ?",
        [months[0], months[-1]],
    ).filter(pl.col("dealer_id").is_in(list(dealer_ids)))
    grid = pl.DataFrame({"month": months})
    return {
        dealer_id: trend_png(
            months, series["units_ordered"].to_list(), series["sales_revenue"].to_list()
        )
        for (dealer_id,), values in rows.group_by("dealer_id")
        for series in [grid.join(values, on="month", how="left").sort("month")]
    }


def _record(
    con: duckdb.DuckDBPyConnection, digest: Digest, charts: dict[str, bytes], sender: str
) -> int:
    """Write the e-mail as pending with what it announces; 0 when it was recorded before."""
    key = notification_id(digest)
    recorded = "SELECT count(*) FROM notifications WHERE notification_id = ?"
    if warehouse.first_row(con, recorded, [key])[0]:
        return 0
    message = render(digest, charts, sender, key)
    con.execute(
        "INSERT INTO notifications (notification_id, kind, recipient, language, month, run_date, "
        "subject, message_id, message, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
        [
            key,
            digest.kind,
            digest.recipient,
            digest.language,
            digest.month,
            digest.run_date,
            str(message["Subject"]),
            str(message["Message-ID"]),
            message.as_bytes(policy=email.policy.SMTP),  # CRLF line ends, as SMTP wants
        ],
    )
    if digest.kind == "digest":
        con.executemany(
            "INSERT INTO notification_items VALUES (?, ?, ?, ?, ?, ?)",
            [[key, digest.month, *item] for item in digest.announced],
        )
    return 1
