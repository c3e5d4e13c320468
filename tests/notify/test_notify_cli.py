"""`dealer-warnings notify|ack|snooze` through typer's CliRunner: exit codes and what a user reads."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from notify_support import AUGUST, SEPTEMBER, Network
from typer.testing import CliRunner

from dealer_warnings.cli import app


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def says(result, *texts: str) -> bool:
    """Each text is in the output, wherever the console wrapped its lines."""
    output = " ".join(result.output.split())
    return all(text in output for text in texts)


@pytest.fixture
def september(network: Network, monkeypatch: pytest.MonkeyPatch) -> Network:
    """September's alerts detected; the routing file and no SMTP host come from the environment."""
    monkeypatch.setenv("DEALER_WARNINGS_NOTIFY__ROUTING_FILE", str(network.routing_file))
    monkeypatch.delenv("DEALER_WARNINGS_NOTIFY__SMTP__HOST", raising=False)
    network.month(
        SEPTEMBER,
        [("D001", "order_drop", "warning", 4.0), ("D003", "complaint_spike", "critical", 8.0)],
    )
    return network


def test_notify_writes_the_e_mails_to_the_outbox_next_to_the_warehouse(september: Network):
    result = invoke("notify", "--db", september.db, "--month", "2026-09")
    assert result.exit_code == 0, result.output
    outbox = september.db.parent / "outbox"
    assert says(result, f"E-mails: 4 new, 4 written as .eml files to {outbox}")
    assert len(list(outbox.glob("*.eml"))) == 4  # ana, north-a, bo and the director

    again = invoke("notify", "--db", september.db, "--month", "2026-09")
    assert says(again, "to tell now: nothing new", "E-mails: 0 new")


def test_notify_refuses_a_month_never_detected_and_a_missing_warehouse(
    september: Network, tmp_path: Path
):
    result = invoke("notify", "--db", september.db, "--month", f"{AUGUST:%Y-%m}")
    assert result.exit_code == 2 and says(result, "no alerts were computed for 2026-08")
    missing = invoke("notify", "--db", tmp_path / "none.duckdb")
    assert missing.exit_code == 2 and says(missing, "does not exist")


def test_notify_names_a_bad_routing_file(september: Network, monkeypatch: pytest.MonkeyPatch):
    september.routing_file.write_text("fallback: [ops]\n", encoding="utf-8")
    result = invoke("notify", "--db", september.db, "--month", "2026-09")
    assert result.exit_code == 2
    assert says(result, "routing file", "not an e-mail address: 'ops'")


def test_ack_and_snooze_are_recorded_with_their_note_and_end(september: Network):
    ack = invoke("ack", "D001", "order_drop", "--note", "visited them", "--db", september.db)
    assert ack.exit_code == 0, ack.output
    assert says(ack, "no repeats of the order_drop problem of D001 open since 2026-09")
    snooze = invoke("snooze", "D003", "complaint_spike", "--days", "3", "--db", september.db)
    assert snooze.exit_code == 0, snooze.output
    assert says(snooze, "unless it gets worse than critical")

    assert september.query(
        "SELECT dealer_id, kind, severity, opened_month, until, note FROM alert_silences ORDER BY 1"
    ) == [
        ("D001", "ack", "warning", SEPTEMBER, None, "visited them"),
        ("D003", "snooze", "critical", None, date.today() + timedelta(days=3), None),
    ]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("ack", "D999", "order_drop"), "unknown dealer 'D999'"),
        (("ack", "D001", "bogus"), "unknown indicator 'bogus'"),
        (("ack", "D004", "order_drop"), "D004 has no order_drop alert to acknowledge"),
        (("snooze", "D001", "order_drop", "--days", "0"), "--days"),
    ],
)
def test_ack_and_snooze_refuse_what_they_cannot_silence(september: Network, args, problem):
    result = invoke(*args, "--db", september.db)
    assert result.exit_code == 2 and says(result, problem)
    assert september.query("SELECT count(*) FROM alert_silences") == [(0,)]
