"""Delivery over an encrypted connection to a real SMTP server on localhost (aiosmtpd with a
certificate made for the test): STARTTLS and SSL, the login only inside TLS, the server's
certificate checked, settings from a prefect-email block, and the password shown nowhere."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from aiosmtpd.smtp import AuthResult
from notify_support import SEPTEMBER, Certificate, MailServer, Network, free_port
from prefect_email import EmailServerCredentials

from dealer_warnings import pipeline
from dealer_warnings.config import SmtpSettings
from dealer_warnings.notify.delivery import smtp_from_block

ALERTS = [
    ("D001", "order_drop", "warning", 4.0),
    ("D003", "complaint_spike", "critical", 7.0),
]
RUN_DATE = date(2026, 10, 2)
RECIPIENTS = {"ana@example.com", "bo@example.com", "north-a@example.com", "boss@example.com"}
SECRET = "Tr0ub4dor&3-correct-horse"


class Logins:
    """The server's authenticator: accepts dw / SECRET, remembers whether each login came
    over an encrypted connection."""

    def __init__(self) -> None:
        self.encrypted: list[bool] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        ok = auth_data.login == b"dw" and auth_data.password == SECRET.encode()
        return AuthResult(success=ok, handled=False)


def tls_options(security: str, certificate: Certificate, logins: Logins) -> dict:
    """aiosmtpd options: STARTTLS required before anything (and before AUTH), or TLS from the
    first byte (where aiosmtpd does not count the connection as TLS for auth_require_tls: the
    Logins record shows the login was encrypted all the same)."""
    if security == "starttls":
        encrypted = {
            "tls_context": certificate.server_context(),
            "require_starttls": True,
            "auth_require_tls": True,
        }
    else:
        encrypted = {"ssl_context": certificate.server_context(), "auth_require_tls": False}
    return encrypted | {"authenticator": logins}


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_encrypted_delivery_logs_in_over_tls_and_never_shows_the_password(
    network: Network,
    certificate: Certificate,
    security: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    network.month(SEPTEMBER, ALERTS)
    server, logins = MailServer(free_port()), Logins()
    settings = network.settings(
        RUN_DATE,
        server.port,
        security=security,
        ca_file=certificate.cert,
        username="dw",
        password=SECRET,
    )
    caplog.set_level(logging.DEBUG)
    with server.running(**tls_options(security, certificate, logins)):
        report = pipeline.notify(network.db, SEPTEMBER, settings)

    assert report.delivery.sent == len(RECIPIENTS) and report.delivery.undelivered == 0
    assert set(server.by_recipient()) == RECIPIENTS
    assert logins.encrypted == [True]  # one connection, logged in after the handshake
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    printed = capfd.readouterr()
    stored = network.query("SELECT string_agg(coalesce(delivered_to, ''), ' ') FROM notifications")
    for text in (*ours, printed.out, printed.err, report.summary(), str(stored), repr(settings)):
        assert SECRET not in text


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_certificate_nobody_trusts_is_refused_and_the_e_mails_wait(
    network: Network, certificate: Certificate, security: str
) -> None:
    network.month(SEPTEMBER, ALERTS)
    server, logins = MailServer(free_port()), Logins()
    settings = network.settings(
        RUN_DATE, server.port, security=security, username="dw", password=SECRET
    )
    with server.running(**tls_options(security, certificate, logins)):
        report = pipeline.notify(network.db, SEPTEMBER, settings)

    assert report.delivery.sent == 0 and "SSLCertVerificationError" in report.delivery.error
    assert server.received == [] and logins.encrypted == []  # no password left the machine
    assert network.query("SELECT DISTINCT status FROM notifications") == [("pending",)]
    assert SECRET not in report.summary()


def test_verify_false_encrypts_without_checking_the_certificate(
    network: Network, certificate: Certificate
) -> None:
    network.month(SEPTEMBER, ALERTS)
    server, logins = MailServer(free_port()), Logins()
    settings = network.settings(
        RUN_DATE, server.port, security="starttls", verify=False, username="dw", password=SECRET
    )
    with server.running(**tls_options("starttls", certificate, logins)):
        report = pipeline.notify(network.db, SEPTEMBER, settings)
    assert report.delivery.sent == len(RECIPIENTS) and logins.encrypted == [True]


def test_a_prefect_email_block_gives_server_security_and_login(
    network: Network, certificate: Certificate
) -> None:
    network.month(SEPTEMBER, ALERTS)
    server, logins = MailServer(free_port()), Logins()
    block = EmailServerCredentials(
        username="dw",
        password=SECRET,
        smtp_server="127.0.0.1",
        smtp_type="SSL",
        smtp_port=server.port,
    )
    settings = network.settings(RUN_DATE)  # no SMTP host of its own
    smtp = smtp_from_block(block, SmtpSettings(ca_file=certificate.cert, timeout_seconds=5))
    assert (smtp.host, smtp.port, smtp.security, smtp.username) == (
        "127.0.0.1", server.port, "ssl", "dw",
    )  # fmt: skip
    assert SECRET not in repr(smtp)
    settings = settings.model_copy(
        update={"notify": settings.notify.model_copy(update={"smtp": smtp})}
    )
    with server.running(**tls_options("ssl", certificate, logins)):
        report = pipeline.notify(network.db, SEPTEMBER, settings)
    assert report.delivery.sent == len(RECIPIENTS) and logins.encrypted == [True]


def test_a_block_with_a_named_server_and_the_default_port():
    block = EmailServerCredentials(
        username="dw", password=SECRET, smtp_server="gmail", smtp_type="STARTTLS", verify=False
    )
    smtp = smtp_from_block(block, SmtpSettings())
    assert (smtp.host, smtp.port, smtp.security, smtp.verify) == (
        "smtp.gmail.com", 587, "starttls", False,
    )  # fmt: skip
    assert smtp.password.get_secret_value() == SECRET
