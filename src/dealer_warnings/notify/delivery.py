"""Delivering the outbox: every e-mail not yet sent goes to the SMTP server, or without one to a
.eml file, and its row says how it went.

`sent` is final: a sent e-mail is never sent again. When the server cannot be reached (or the
login fails) the e-mails stay `pending`; when it refuses one e-mail, that one is `failed`. Both
are retried on the next run with the same bytes and Message-ID, so a receiving system can
recognise the one duplicate a crash between the server's "OK" and our bookkeeping could cause.
The password is used for the login only and appears in no message, log or error text.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from dealer_warnings.config import NotifySettings, SmtpSettings

if TYPE_CHECKING:
    from prefect_email import EmailServerCredentials

# The server said no to this one e-mail (a bad address, a message too big): not an outage.
REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


@dataclass(frozen=True)
class Delivery:
    destination: str  # smtp://host:port or the outbox folder
    sent: int  # delivered by this run
    undelivered: int  # still pending or failed after it
    error: str | None  # the last problem, when any e-mail is undelivered


# prefect-email's SMTPType names -> our `security`.
BLOCK_SECURITY = {"SSL": "ssl", "STARTTLS": "starttls", "INSECURE": "none"}


def smtp_from_block(block: EmailServerCredentials, settings: SmtpSettings) -> SmtpSettings:
    """The server, port, security, login and certificate check of a prefect-email
    EmailServerCredentials block, over `settings` (which keep the timeout and CA file)."""
    security = BLOCK_SECURITY[block.smtp_type.name]
    server = block.smtp_server
    return settings.model_copy(
        update={
            "host": getattr(server, "value", server),  # an SMTPServer member or a host name
            "port": block.smtp_port or block.smtp_type.value,
            "security": security,
            "username": block.username,
            "password": block.password,
            "verify": block.verify is not False,
        }
    )


def smtp_settings(settings: NotifySettings) -> SmtpSettings:
    """`notify.smtp`, or the Prefect block `notify.smtp_block` names (loaded from the Prefect
    API, where the secret is stored encrypted)."""
    if settings.smtp_block is None:
        return settings.smtp
    from prefect_email import EmailServerCredentials  # imports Prefect: only when asked for

    return smtp_from_block(EmailServerCredentials.load(settings.smtp_block), settings.smtp)


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Verifies the server against the system's CAs, or `ca_file`; `verify=False` encrypts
    without checking who answers."""
    context = ssl.create_default_context(cafile=settings.ca_file)
    if not settings.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@contextmanager
def smtp_connection(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """A logged-in connection, encrypted as configured."""
    assert settings.host is not None
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout_seconds,
            context=tls_context(settings),
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=tls_context(settings))
        if settings.username:
            password = settings.password.get_secret_value() if settings.password else ""
            smtp.login(settings.username, password)
        yield smtp


def _eml_path(outbox: Path, month, recipient: str, notification_id: str) -> Path:
    safe_recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", recipient)
    return outbox / f"{month:%Y-%m}_{safe_recipient}_{notification_id[:12]}.eml"


def _mark(con: duckdb.DuckDBPyConnection, notification_id: str, status: str, detail: str) -> None:
    """One attempt's outcome; `detail` is where it went when sent, else the error."""
    sent = status == "sent"
    con.execute(
        "UPDATE notifications SET status = ?, attempts = attempts + 1, "
        "delivered_to = CASE WHEN ? THEN ? END, last_error = CASE WHEN ? THEN NULL ELSE ? END, "
        "sent_at = CASE WHEN ? THEN current_timestamp END WHERE notification_id = ?",
        [status, sent, detail, sent, detail, sent, notification_id],
    )


def deliver_pending(
    con: duckdb.DuckDBPyConnection, settings: NotifySettings, outbox: Path
) -> Delivery:
    """Deliver every e-mail not yet sent, oldest first; each outcome is committed at once."""
    waiting = con.execute(
        "SELECT notification_id, recipient, month, message FROM notifications "
        "WHERE status <> 'sent' ORDER BY created_at, notification_id"
    ).fetchall()
    smtp = smtp_settings(settings)
    if smtp.host is None:
        outbox.mkdir(parents=True, exist_ok=True)
        for notification_id, recipient, month, message in waiting:
            path = _eml_path(outbox, month, recipient, notification_id)
            partial = path.with_suffix(".eml.partial")
            partial.write_bytes(message)
            partial.replace(path)  # a reader of the folder never sees half a message
            _mark(con, notification_id, "sent", str(path))
        return Delivery(str(outbox), len(waiting), 0, None)

    destination = f"smtp://{smtp.host}:{smtp.port}"
    if not waiting:
        return Delivery(destination, 0, 0, None)
    sent, tried, error = 0, 0, None
    try:
        with smtp_connection(smtp) as server:
            for notification_id, recipient, _, message in waiting:
                try:
                    server.sendmail(settings.sender, [recipient], message)
                except REFUSED as refused:
                    error = f"{recipient}: {refused}"
                    _mark(con, notification_id, "failed", error)
                else:
                    _mark(con, notification_id, "sent", destination)
                    sent += 1
                tried += 1
    except (OSError, smtplib.SMTPException) as outage:
        error = f"{destination}: {type(outage).__name__}: {outage}"
        for notification_id, *_ in waiting[tried:]:
            _mark(con, notification_id, "pending", error)
    return Delivery(destination, sent, len(waiting) - sent, error)
