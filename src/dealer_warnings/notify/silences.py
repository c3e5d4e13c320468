"""`dealer-warnings ack|snooze DEALER INDICATOR`: stop repeats of a problem someone is handling.

An ack covers the problem as it is now (its unbroken run of alerts) until it resolves; a snooze
covers the dealer and indicator for some days, even a problem that starts meanwhile. Either one
lets through what got worse than the severity it was given at, and every resolution.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from dealer_warnings import warehouse
from dealer_warnings.detect import INDICATORS
from dealer_warnings.notify.lifecycle import lifecycle


def silence(
    con: duckdb.DuckDBPyConnection,
    dealer_id: str,
    indicator: str,
    kind: str,
    today: date,
    days: int | None,
    note: str | None,
) -> str:
    """Record an ack or a snooze; returns a sentence saying what it holds back, and until when."""
    if indicator not in INDICATORS:
        raise ValueError(f"unknown indicator '{indicator}' (one of {', '.join(INDICATORS)})")
    known = "SELECT count(*) FROM stg_dealers WHERE dealer_id = ?"
    if not warehouse.first_row(con, known, [dealer_id])[0]:
        raise ValueError(f"unknown dealer '{dealer_id}'")
    history = con.sql(
        "SELECT month, dealer_id, indicator, severity, score, explanation FROM alerts "
        "WHERE dealer_id = ? AND indicator = ?",
        params=[dealer_id, indicator],
    ).pl()
    problem = (
        lifecycle(history, history["month"].max()).row(0, named=True) if history.height else None
    )
    if kind == "ack" and problem is None:
        raise ValueError(
            f"{dealer_id} has no {indicator} alert to acknowledge; `snooze` mutes it ahead"
        )
    severity = problem["severity"] if problem else "warning"
    until = today + timedelta(days=days) if days else None
    con.execute(
        "INSERT INTO alert_silences (dealer_id, indicator, kind, severity, opened_month, until, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            dealer_id,
            indicator,
            kind,
            severity,
            problem["opened_month"] if kind == "ack" else None,
            until,
            note,
        ],
    )
    what = (
        f"the {indicator} problem of {dealer_id} open since {problem['opened_month']:%Y-%m}"
        if kind == "ack"
        else f"{indicator} alerts of {dealer_id}"
    )
    ends = [*(["it resolves"] if kind == "ack" else []), *([f"{until:%Y-%m-%d}"] if until else [])]
    end = "until " + " or ".join(ends)
    return f"{kind}: no repeats of {what} {end}, unless it gets worse than {severity}."
