"""The lifecycle decisions on hand-made rows: what each problem is, and what is due to be told."""

from __future__ import annotations

from datetime import date

import polars as pl
from notify_support import alert_rows

from dealer_warnings.notify.lifecycle import due_events, lifecycle

JUL, AUG, SEP, OCT = (date(2026, m, 1) for m in (7, 8, 9, 10))
TODAY = date(2026, 10, 2)


def alerts(*rows: tuple[date, str, str, str]) -> pl.DataFrame:
    """(month, dealer_id, indicator, severity) -> alerts rows."""
    return alert_rows([(*row, 5.0) for row in rows])


def frame(schema: dict, rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def announced(*rows: tuple[date, str, str, str, str]) -> pl.DataFrame:
    """(month, dealer_id, indicator, change, severity) already told."""
    names = ("month", "dealer_id", "indicator", "change", "severity")
    return frame({"month": pl.Date} | dict.fromkeys(names[1:], pl.String), rows)


def silences(*rows: tuple[str, str, str, str, date | None, date | None]) -> pl.DataFrame:
    """(dealer_id, indicator, kind, severity, opened_month, until)."""
    names = ("dealer_id", "indicator", "kind", "severity", "opened_month", "until")
    return frame(dict.fromkeys(names[:4], pl.String) | dict.fromkeys(names[4:], pl.Date), rows)


def statuses(events: pl.DataFrame, column: str = "status") -> dict[str, str]:
    return dict(zip(events["dealer_id"], events[column], strict=True))


HISTORY = alerts(
    (AUG, "D1", "order_drop", "warning"),  # SEP: new problem after a gap -> new
    (SEP, "D2", "order_drop", "warning"),
    (OCT, "D2", "order_drop", "warning"),  # ongoing
    (SEP, "D3", "order_drop", "warning"),
    (OCT, "D3", "order_drop", "critical"),  # escalated
    (SEP, "D4", "order_drop", "critical"),
    (OCT, "D4", "order_drop", "warning"),  # milder: ongoing
    (SEP, "D5", "order_drop", "warning"),  # gone in OCT: resolved
    (OCT, "D1", "order_drop", "warning"),
    (JUL, "D6", "order_drop", "warning"),  # resolved in AUG: no event in OCT
)


def test_each_problem_is_new_ongoing_escalated_or_resolved():
    events = lifecycle(HISTORY, OCT)
    assert statuses(events) == {
        "D1": "new",
        "D2": "ongoing",
        "D3": "escalated",
        "D4": "ongoing",
        "D5": "resolved",
    }
    resolved = events.filter(pl.col("dealer_id") == "D5").row(0, named=True)
    assert resolved["month"] == OCT and resolved["explanation"] == "D5 order_drop 2026-09"


def test_a_problem_opens_with_its_unbroken_run_of_monthly_alerts():
    events = lifecycle(HISTORY, OCT)
    assert statuses(events, "opened_month") == {
        "D1": OCT,  # AUG's alert ended before SEP
        "D2": SEP,
        "D3": SEP,
        "D4": SEP,
        "D5": SEP,
    }


def test_later_months_do_not_change_a_months_lifecycle():
    later = pl.concat([HISTORY, alerts((date(2026, 11, 1), "D5", "order_drop", "critical"))])
    assert lifecycle(later, OCT).equals(lifecycle(HISTORY, OCT))


def test_indicators_of_one_dealer_are_separate_problems():
    events = lifecycle(
        alerts((SEP, "D1", "order_drop", "warning"), (OCT, "D1", "price_drop", "warning")), OCT
    )
    assert dict(zip(events["indicator"], events["status"], strict=True)) == {
        "order_drop": "resolved",
        "price_drop": "new",
    }


def test_everything_is_due_when_nothing_was_told_or_silenced():
    due = due_events(lifecycle(HISTORY, OCT), announced(), silences(), TODAY)
    assert statuses(due, "change") == statuses(lifecycle(HISTORY, OCT))


def test_what_was_told_is_not_due_again_unless_it_got_worse():
    told = announced(
        (OCT, "D1", "order_drop", "new", "warning"),
        (OCT, "D3", "order_drop", "escalated", "warning"),  # told at warning, now critical
        (OCT, "D5", "order_drop", "resolved", "warning"),
        (SEP, "D2", "order_drop", "new", "warning"),  # last month's telling: a reminder is due
    )
    due = due_events(lifecycle(HISTORY, OCT), told, silences(), TODAY)
    assert statuses(due, "change") == {"D2": "ongoing", "D3": "escalated", "D4": "ongoing"}


def test_an_ack_holds_back_its_problem_until_it_gets_worse_and_lets_resolutions_through():
    acks = silences(
        ("D2", "order_drop", "ack", "warning", SEP, None),
        ("D3", "order_drop", "ack", "warning", SEP, None),  # now critical: breaks through
        ("D5", "order_drop", "ack", "warning", SEP, None),  # resolved: told
        ("D1", "order_drop", "ack", "warning", AUG, None),  # an earlier problem: not this one
    )
    due = due_events(lifecycle(HISTORY, OCT), announced(), acks, TODAY)
    assert statuses(due, "change") == {
        "D1": "new",
        "D3": "escalated",
        "D4": "ongoing",
        "D5": "resolved",
    }


def test_a_snooze_holds_back_any_problem_of_the_pair_until_its_end_date():
    snoozes = silences(
        ("D1", "order_drop", "snooze", "warning", None, date(2026, 10, 3)),  # covers a new one
        ("D2", "order_drop", "snooze", "warning", None, TODAY),  # ended today
        ("D4", "order_drop", "snooze", "critical", None, None),
    )
    due = due_events(lifecycle(HISTORY, OCT), announced(), snoozes, TODAY)
    assert statuses(due, "change") == {"D2": "ongoing", "D3": "escalated", "D5": "resolved"}
