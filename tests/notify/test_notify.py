"""The notification step end to end: a real warehouse, a real SMTP server on localhost.

Four dealers: D001 and D002 belong to Ana (Spanish), D003 to Bo (Chinese), D004 has no manager
(the fallback gets it); North/A dealers also go to north-a@; the director gets the top 2.
"""

from __future__ import annotations

import re
from datetime import date

from aiosmtpd.smtp import AuthResult
from notify_support import (
    NOVEMBER,
    OCTOBER,
    SCRIPT_NAME,
    SEPTEMBER,
    MailServer,
    Network,
    free_port,
    html_of,
    text_of,
)

from dealer_warnings import pipeline

SEPTEMBER_ALERTS = [
    ("D001", "order_drop", "warning", 4.0),
    ("D002", "price_drop", "critical", 7.0),
    ("D003", "complaint_spike", "warning", 5.0),
    ("D004", "sales_drop", "warning", 3.0),
]
RUN_DATE = date(2026, 10, 2)


def dealers_in(message) -> set[str]:
    return set(re.findall(r"\bD00\d\b", text_of(message)))


def subject(message) -> str:
    """The Subject as a mail program shows it (a folded header keeps its leading space)."""
    return message["Subject"].strip()


def told(network: Network, message) -> set[tuple[str, str, str]]:
    """(dealer, indicator, change) the delivered e-mail announced, by its Message-ID."""
    return set(
        network.query(
            "SELECT dealer_id, indicator, change FROM notification_items "
            "JOIN notifications USING (notification_id) WHERE message_id = ?",
            [message["Message-ID"]],
        )
    )


def test_each_recipient_gets_one_e_mail_with_their_dealers(
    network: Network, mail_server: MailServer
) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    report = network.notify(SEPTEMBER, RUN_DATE, mail_server.port)

    inboxes = mail_server.by_recipient()
    assert {r: len(m) for r, m in inboxes.items()} == {
        "ana@example.com": 1,  # D002's manager_email differs only in case and spaces
        "bo@example.com": 1,
        "north-a@example.com": 1,
        "ops@example.com": 1,
        "boss@example.com": 1,
    }
    assert dealers_in(inboxes["ana@example.com"][0]) == {"D001", "D002"}
    assert dealers_in(inboxes["bo@example.com"][0]) == {"D003"}
    assert dealers_in(inboxes["north-a@example.com"][0]) == {"D001"}
    assert dealers_in(inboxes["ops@example.com"][0]) == {"D004"}
    assert dealers_in(inboxes["boss@example.com"][0]) == {"D002", "D003"}  # the top 2 by risk
    assert report.delivery.sent == 5 and report.delivery.undelivered == 0
    assert network.query("SELECT DISTINCT status FROM notifications") == [("sent",)]


def test_the_e_mail_is_in_the_recipients_language_ranked_with_charts_and_escaped(
    network: Network, mail_server: MailServer
) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    network.notify(SEPTEMBER, RUN_DATE, mail_server.port)
    inboxes = mail_server.by_recipient()
    ana, bo = inboxes["ana@example.com"][0], inboxes["bo@example.com"][0]

    assert subject(ana).startswith("Alertas de distribuidores septiembre de 2026")
    assert subject(bo).startswith("经销商预警 2026年9月")
    assert subject(inboxes["ops@example.com"][0]).startswith("Dealer warnings September 2026")
    text = text_of(ana)
    assert text.index("D002") < text.index("D001")  # rank 1 (critical) first
    assert "Hola, Ana Ruiz:" in text and "Caída de precios" in text
    assert "D002 price_drop 2026-09" in text  # the explanation as stored

    html = html_of(ana)
    assert SCRIPT_NAME in text  # plain text shows the name as it is
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    charts = [part for part in ana.walk() if part.get_content_type() == "image/png"]
    assert len(charts) == 2
    for chart in charts:
        assert chart.get_content().startswith(b"\x89PNG")
        assert f'src="cid:{chart["Content-ID"].strip("<>")}"' in html
    assert (
        ana["Message-ID"]
        == network.query(
            "SELECT message_id FROM notifications WHERE recipient = 'ana@example.com'"
        )[0][0]
    )


def test_a_second_run_the_same_night_changes_nothing_and_sends_nothing(
    network: Network, mail_server: MailServer
) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    network.notify(SEPTEMBER, RUN_DATE, mail_server.port)
    tables = ("alert_events", "notifications", "notification_items")
    before = {t: network.query(f"SELECT * FROM {t} ORDER BY ALL") for t in tables}

    again = network.notify(SEPTEMBER, RUN_DATE, mail_server.port)

    assert len(mail_server.received) == 5
    assert again.decided.created == 0 and again.delivery.sent == 0
    assert {t: network.query(f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == before


def test_next_months_repeat_open_problems_except_acknowledged_ones_until_they_escalate(
    network: Network, mail_server: MailServer
) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    network.notify(SEPTEMBER, RUN_DATE, mail_server.port)
    network.silence("D001", "order_drop", "ack", RUN_DATE)
    network.silence("D002", "price_drop", "ack", RUN_DATE)
    mail_server.received.clear()

    network.month(
        OCTOBER,
        [
            ("D001", "order_drop", "warning", 4.0),  # acknowledged, unchanged: quiet
            ("D002", "price_drop", "critical", 7.0),  # acknowledged, unchanged: quiet
            ("D003", "complaint_spike", "critical", 8.0),  # escalated: told
        ],  # D004's sales_drop is gone: resolved, told
    )
    network.notify(OCTOBER, date(2026, 11, 2), mail_server.port)
    october = mail_server.by_recipient()
    assert set(october) == {"bo@example.com", "ops@example.com", "boss@example.com"}
    assert told(network, october["bo@example.com"][0]) == {("D003", "complaint_spike", "escalated")}
    assert told(network, october["ops@example.com"][0]) == {("D004", "sales_drop", "resolved")}
    mail_server.received.clear()

    network.month(
        NOVEMBER,
        [
            ("D001", "order_drop", "critical", 8.0),  # worse than acknowledged: told
            ("D002", "price_drop", "critical", 7.0),  # still acknowledged: quiet
            ("D003", "complaint_spike", "critical", 8.0),  # not acknowledged: monthly reminder
        ],  # D004: resolved last month, not told again
    )
    network.notify(NOVEMBER, date(2026, 12, 2), mail_server.port)
    november = mail_server.by_recipient()
    assert set(november) == {
        "ana@example.com",
        "north-a@example.com",
        "bo@example.com",
        "boss@example.com",
    }
    assert told(network, november["ana@example.com"][0]) == {("D001", "order_drop", "escalated")}
    assert told(network, november["bo@example.com"][0]) == {("D003", "complaint_spike", "ongoing")}
    assert all(len(messages) == 1 for messages in november.values())


def test_a_snooze_holds_repeats_back_until_it_ends(
    network: Network, mail_server: MailServer
) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    network.notify(SEPTEMBER, RUN_DATE, mail_server.port)
    network.silence("D003", "complaint_spike", "snooze", date(2026, 11, 1), days=7)
    network.month(OCTOBER, [("D003", "complaint_spike", "warning", 5.0)])
    mail_server.received.clear()

    network.notify(OCTOBER, date(2026, 11, 2), mail_server.port)
    assert "bo@example.com" not in mail_server.by_recipient()  # snoozed until 2026-11-08

    network.notify(OCTOBER, date(2026, 11, 8), mail_server.port)
    bo = mail_server.by_recipient()["bo@example.com"]
    assert len(bo) == 1 and told(network, bo[0]) == {("D003", "complaint_spike", "ongoing")}


def test_with_the_server_down_e_mails_wait_and_go_out_exactly_once_when_it_is_back(
    network: Network,
) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    server = MailServer(free_port())  # nothing listens there yet

    down = network.notify(SEPTEMBER, RUN_DATE, server.port)
    assert down.decided.created == 5 and down.delivery.undelivered == 5
    assert "ConnectionRefusedError" in down.delivery.error
    assert "retried on the next run" in down.summary()
    assert network.query("SELECT DISTINCT status, attempts FROM notifications") == [("pending", 1)]

    with server.running():
        back = network.notify(SEPTEMBER, RUN_DATE, server.port)
        network.notify(SEPTEMBER, RUN_DATE, server.port)

    assert back.decided.created == 0 and back.delivery.sent == 5
    assert sorted(len(m) for m in server.by_recipient().values()) == [1, 1, 1, 1, 1]
    assert network.query("SELECT DISTINCT status FROM notifications") == [("sent",)]


def test_a_refused_e_mail_is_failed_and_retried_on_the_next_run(network: Network) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    server = MailServer(free_port(), refuse={"ops@example.com"})
    with server.running():
        first = network.notify(SEPTEMBER, RUN_DATE, server.port)
        assert first.delivery.sent == 4 and "550" in first.delivery.error
        assert network.query(
            "SELECT recipient, status FROM notifications WHERE status <> 'sent'"
        ) == [("ops@example.com", "failed")]

        server.refuse.clear()
        network.notify(SEPTEMBER, RUN_DATE, server.port)
    assert sorted(len(m) for m in server.by_recipient().values()) == [1, 1, 1, 1, 1]


def test_the_password_appears_in_no_report_or_error(network: Network) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    server = MailServer(free_port())

    def reject(server, session, envelope, mechanism, auth_data) -> AuthResult:
        return AuthResult(success=False, handled=False)  # the server answers 535

    secret = "correct-horse-battery-staple"
    settings = network.settings(RUN_DATE, server.port, username="dw", password=secret)
    with server.running(authenticator=reject, auth_require_tls=False):
        report = pipeline.notify(network.db, SEPTEMBER, settings)

    assert report.delivery.undelivered == 5 and "SMTPAuthenticationError" in report.delivery.error
    stored = network.query("SELECT string_agg(last_error, ' ') FROM notifications")[0][0]
    for text in (report.summary(), stored, repr(settings), str(settings.notify.smtp.password)):
        assert secret not in text


def test_with_a_report_base_url_every_e_mail_links_the_months_report(
    network: Network, mail_server: MailServer
) -> None:
    network.month(SEPTEMBER, SEPTEMBER_ALERTS)
    settings = network.settings(RUN_DATE, mail_server.port)
    notify = settings.notify.model_copy(update={"report_base_url": "https://bi.example.com/dw/"})
    pipeline.notify(network.db, SEPTEMBER, settings.model_copy(update={"notify": notify}))

    link = "https://bi.example.com/dw/2026-09/index.html"
    assert len(mail_server.received) == 5
    for _, message in mail_server.received:
        assert f'href="{link}"' in html_of(message) and link in text_of(message)
