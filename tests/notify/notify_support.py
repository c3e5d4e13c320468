"""A tiny hand-made warehouse and a real SMTP server on localhost for the notification tests.

`Network` writes dealers, a month's alerts (ranked by the real `rank_dealers`) and 13 months of
activity into a real DuckDB warehouse; `MailServer` is aiosmtpd listening on 127.0.0.1 that
keeps every message it accepts (over TLS with `self_signed_certificate`). The fixtures are in
conftest.py.
"""

from __future__ import annotations

import email
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import duckdb
import polars as pl
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dealer_warnings import pipeline, warehouse
from dealer_warnings.config import Settings
from dealer_warnings.notify import silence
from dealer_warnings.rank import rank_dealers, risk_parts

AUGUST, SEPTEMBER, OCTOBER, NOVEMBER = (date(2026, m, 1) for m in (8, 9, 10, 11))
SCRIPT_NAME = "<script>alert('x')</script> & Co"
DEALERS = [
    # dealer_id, dealer_name, region, tier, manager_name, manager_email
    ("D001", "Alpha Trading", "North", "A", "Ana Ruiz", "ana@example.com"),
    ("D002", SCRIPT_NAME, "North", "B", "Ana Ruiz", "Ana@Example.com "),
    ("D003", "北京恒达商贸", "South", "C", "Bo Wang", "bo@example.com"),
    ("D004", "Gamma Home", "South", "C", None, None),
]
ROUTING = {
    "languages": {"ana@example.com": "es", "bo@example.com": "zh"},
    "rules": [{"region": "North", "tier": "A", "to": ["north-a@example.com"]}],
    "fallback": ["ops@example.com"],
    "director": {"to": ["boss@example.com"], "top_n": 2},
}


ALERT_SCHEMA = {
    "month": pl.Date,
    "dealer_id": pl.String,
    "indicator": pl.String,
    "severity": pl.String,
    "score": pl.Float64,
    "explanation": pl.String,
}


def alert_rows(alerts: list[tuple[date, str, str, str, float]]) -> pl.DataFrame:
    """(month, dealer_id, indicator, severity, score) -> rows of the alerts table."""
    return pl.DataFrame(
        [
            (month, dealer, indicator, severity, score, f"{dealer} {indicator} {month:%Y-%m}")
            for month, dealer, indicator, severity, score in alerts
        ],
        schema=ALERT_SCHEMA,
        orient="row",
    )


@dataclass
class Network:
    """The warehouse of four dealers; `month` writes what detection would have stored."""

    db: Path
    routing_file: Path

    def month(self, month: date, alerts: list[tuple[str, str, str, float]]) -> None:
        """Alerts of `month` as (dealer_id, indicator, severity, score), replacing any earlier."""
        rows = alert_rows([(month, *alert) for alert in alerts])
        con = warehouse.connect(self.db)
        try:
            for table, frame in (("alerts", rows), ("dealer_risk", rank_dealers(risk_parts(rows)))):
                con.execute(f"DELETE FROM {table} WHERE month = ?", [month])
                con.register("new_rows", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_rows")
                con.unregister("new_rows")
            con.execute(
                "INSERT INTO runs (run_id, kind, run_date, as_of) "
                "SELECT coalesce(max(run_id), 0) + 1, 'detect', ?, ? FROM runs",
                [month, month],
            )
        finally:
            con.close()

    def settings(self, run_date: date, port: int | None = None, **smtp) -> Settings:
        """Settings of a run on `run_date`; with a port, SMTP to 127.0.0.1 (plus `smtp`)."""
        local = {"host": "127.0.0.1", "port": port, "security": "none", "timeout_seconds": 5}
        server = local | smtp if port else {}
        return Settings(
            ingest={"run_date": run_date},
            notify={"smtp": server, "routing_file": self.routing_file, "sender": "dw@example.com"},
        )

    def notify(self, month: date, run_date: date, port: int | None = None):
        return pipeline.notify(self.db, month, self.settings(run_date, port))

    def silence(self, dealer_id: str, indicator: str, kind: str, today: date, days=None) -> None:
        """What `dealer-warnings ack|snooze` records."""
        con = warehouse.connect(self.db)
        try:
            silence(con, dealer_id, indicator, kind, today, days, None)
        finally:
            con.close()

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


@dataclass(frozen=True)
class Certificate:
    """A self-signed server certificate for 127.0.0.1, made for the test run."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed_certificate(folder: Path) -> Certificate:
    """A key and a certificate valid for 127.0.0.1 and localhost, one day long."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dealer-warnings test SMTP")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(folder / "smtp-cert.pem", folder / "smtp-key.pem")
    paths.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class MailServer:
    """What a real SMTP server on localhost accepted: (envelope recipients, parsed message)."""

    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def by_recipient(self) -> dict[str, list[EmailMessage]]:
        inboxes: dict[str, list[EmailMessage]] = {}
        for recipients, message in self.received:
            for recipient in recipients:
                inboxes.setdefault(recipient, []).append(message)
        return inboxes

    @contextmanager
    def running(self, **options) -> Iterator[MailServer]:
        controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()
