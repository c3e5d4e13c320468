"""A digest as an e-mail: Jinja2 templates for the HTML and plain-text parts, charts inline.

The HTML template is autoescaped, so a dealer named `<script>` shows as text; the text part is
plain text and is not. Each chart travels as a related part the HTML points at by Content-ID.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from dealer_warnings.months import add_months
from dealer_warnings.notify.i18n import month_name, word
from dealer_warnings.notify.lifecycle import STATUSES

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


_CODE_STYLE = "font-family:Menlo,Consolas,monospace; background:#eef2f6; padding:0 3px;"


def _code_spans(text: str) -> Markup:
    """Fixed text's `commands` as <code> in the HTML part; everything escaped first."""
    parts = str(escape(text)).split("`")
    return Markup(
        "".join(
            f'<code style="{_CODE_STYLE}">{part}</code>' if index % 2 else part
            for index, part in enumerate(parts)
        )
    )


_TEMPLATES.filters["code_spans"] = _code_spans
CHANGE_COLORS = {  # text, background of the change badges
    "new": ("#1d4ed8", "#dbeafe"),
    "escalated": ("#9b1c1c", "#fde2e1"),
    "ongoing": ("#3e4c59", "#e4e7eb"),
    "resolved": ("#1e7b4a", "#d9f2e3"),
}


@dataclass(frozen=True)
class Digest:
    """One e-mail's content before rendering.

    `dealers`: ranked, each a dict with dealer_id, dealer_name, region, tier, manager_name, rank,
    risk_score and `alerts` (indicator, severity, change, explanation), worst first.
    `resolved`: dicts with dealer_id, dealer_name, indicator, severity.
    """

    kind: str  # digest (a recipient's changes) | summary (the director's top N)
    recipient: str
    language: str
    month: date
    run_date: date
    dealers: list[dict]
    resolved: list[dict]
    changes: Counter[str]  # what this run tells, by change
    recipient_name: str | None = None
    top_n: int | None = None
    # (dealer_id, indicator, change, severity) a digest tells: remembered as told once recorded
    announced: list[tuple[str, str, str, str]] = field(default_factory=list)
    report_url: str | None = None  # the month's HTML report, where one is published


def _translator(language: str) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        return word(language, key).format(**values)

    return t


def subject(digest: Digest) -> str:
    t = _translator(digest.language)
    month = month_name(digest.month, digest.language)
    if digest.kind == "summary":
        return t("subject_summary", month=month, top_n=digest.top_n)
    dealers = {d["dealer_id"] for d in digest.dealers} | {r["dealer_id"] for r in digest.resolved}
    changes = ", ".join(f"{digest.changes[c]} {t(c)}" for c in STATUSES if digest.changes[c])
    return t("subject_digest", month=month, dealers=len(dealers), changes=changes)


def render(
    digest: Digest, charts: dict[str, bytes], sender: str, notification_id: str
) -> EmailMessage:
    """The e-mail: text part, HTML part with each dealer's chart (from `charts`, by dealer_id)
    inline; Message-ID derived from the notification's idempotency key."""
    domain = sender.rpartition("@")[2] or "localhost"
    cids = {
        dealer["dealer_id"]: f"trend{index}.{notification_id[:16]}@{domain}"
        for index, dealer in enumerate(digest.dealers)
        if dealer["dealer_id"] in charts
    }
    t = _translator(digest.language)
    context = {
        "kind": digest.kind,
        "language": digest.language,
        "subject": subject(digest),
        "t": t,
        "month_label": month_name(digest.month, digest.language),
        "previous_label": month_name(add_months(digest.month, -1), digest.language),
        "run_date": digest.run_date.isoformat(),
        "recipient_name": digest.recipient_name,
        "top_n": digest.top_n,
        "changes": [(c, digest.changes[c]) for c in STATUSES if digest.changes[c]],
        "change_colors": CHANGE_COLORS,
        "dealers": [d | {"chart_cid": cids.get(d["dealer_id"])} for d in digest.dealers],
        "resolved": digest.resolved,
        "report_url": digest.report_url,
    }
    message = EmailMessage()
    message["Subject"] = context["subject"]
    message["From"] = sender
    message["To"] = digest.recipient
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = f"<{notification_id}@{domain}>"
    message.set_content(_TEMPLATES.get_template("digest.txt").render(context))
    message.add_alternative(_TEMPLATES.get_template("digest.html").render(context), subtype="html")
    message["Content-Language"] = digest.language  # after set_content, which clears Content-*
    html_part = message.get_payload()[1]
    for dealer_id, cid in cids.items():
        html_part.add_related(charts[dealer_id], "image", "png", cid=f"<{cid}>")
    return message
