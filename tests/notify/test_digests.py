"""Planning and rendering digests on hand-made rows: who gets what, in which words."""

from __future__ import annotations

from collections import Counter
from datetime import date

import polars as pl
import pytest

from dealer_warnings.detect import INDICATORS
from dealer_warnings.notify.digests import DEALER_COLUMNS, notification_id, plan_digests
from dealer_warnings.notify.i18n import TEXT, month_name
from dealer_warnings.notify.lifecycle import EVENT_COLUMNS
from dealer_warnings.notify.render import Digest, render
from dealer_warnings.notify.routing import Routing

OCT = date(2026, 10, 1)
RUN_DATE = date(2026, 11, 2)
DEALERS = pl.DataFrame(
    [
        ("D1", "One", "East", "A", "Mei", "mei@example.com"),
        ("D2", "Two", "East", "B", "Mei", "mei@example.com"),
        ("D3", "Three", "West", "B", None, None),
        ("D4", "Four", "West", "B", "Raúl", "raul@example.com"),
    ],
    schema=DEALER_COLUMNS,
    orient="row",
)
RANKS = pl.DataFrame(
    {"dealer_id": ["D2", "D4", "D1"], "rank": [1, 2, 3], "risk_score": [9.0, 6.0, 3.0]}
)
ROUTING = Routing.model_validate(
    {
        "languages": {"mei@example.com": "zh"},
        "rules": [{"region": "East", "tier": "A", "to": ["key@example.com"]}],
        "director": {"to": ["boss@example.com"], "top_n": 2},
    }
)


def events(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    """(dealer_id, indicator, status, severity) of October."""
    return pl.DataFrame(
        [(OCT, *row, None, 5.0, f"{row[0]} {row[1]}", OCT) for row in rows],
        schema=dict(
            zip(
                EVENT_COLUMNS,
                [pl.Date, *[pl.String] * 5, pl.Float64, pl.String, pl.Date],
                strict=True,
            )
        ),
        orient="row",
    )


MONTH = events(
    ("D1", "order_drop", "new", "warning"),
    ("D2", "price_drop", "ongoing", "critical"),
    ("D2", "order_drop", "escalated", "critical"),
    ("D3", "sales_drop", "new", "warning"),
    ("D4", "quality_spike", "resolved", "warning"),
)


def by_recipient(due: pl.DataFrame) -> dict[str, Digest]:
    digests, _ = plan_digests(due, MONTH, DEALERS, RANKS, ROUTING, RUN_DATE)
    return {digest.recipient: digest for digest in digests}


def test_each_recipient_gets_their_dealers_ranked_worst_alert_first():
    digests = by_recipient(MONTH.with_columns(pl.col("status").alias("change")))
    mei = digests["mei@example.com"]
    assert mei.kind == "digest" and mei.language == "zh" and mei.recipient_name == "Mei"
    assert [d["dealer_id"] for d in mei.dealers] == ["D2", "D1"]  # by rank
    assert [a["indicator"] for a in mei.dealers[0]["alerts"]] == ["order_drop", "price_drop"]
    assert mei.changes == Counter({"new": 1, "ongoing": 1, "escalated": 1})
    assert [d["dealer_id"] for d in digests["key@example.com"].dealers] == ["D1"]
    raul = digests["raul@example.com"]
    assert raul.dealers == [] and [r["dealer_id"] for r in raul.resolved] == ["D4"]


def test_the_director_gets_the_top_dealers_of_all_managers_with_this_runs_resolutions():
    due = MONTH.filter(pl.col("dealer_id") == "D4").with_columns(pl.col("status").alias("change"))
    summary = by_recipient(due)["boss@example.com"]
    assert summary.kind == "summary" and summary.top_n == 2
    assert [d["dealer_id"] for d in summary.dealers] == ["D2"]  # D4 has no alert left
    assert [r["dealer_id"] for r in summary.resolved] == ["D4"]
    assert summary.changes == Counter({"resolved": 1})


def test_nothing_due_means_no_e_mail_not_even_the_summary():
    due = MONTH.clear().with_columns(pl.lit(None, pl.String).alias("change"))
    assert plan_digests(due, MONTH, DEALERS, RANKS, ROUTING, RUN_DATE) == ([], [])


def test_dealers_nobody_owns_are_reported_not_dropped_silently():
    due = MONTH.with_columns(pl.col("status").alias("change"))
    _, unrouted = plan_digests(due, MONTH, DEALERS, RANKS, ROUTING, RUN_DATE)
    assert unrouted == ["D3"]


def test_the_same_news_to_the_same_recipient_has_the_same_key():
    due = MONTH.with_columns(pl.col("status").alias("change"))
    first = by_recipient(due)["mei@example.com"]
    again = by_recipient(due)["mei@example.com"]
    fewer = by_recipient(due.filter(pl.col("dealer_id") == "D1"))["mei@example.com"]
    assert notification_id(first) == notification_id(again) != notification_id(fewer)


def test_every_language_translates_every_fixed_text():
    for language, words in TEXT.items():
        assert words.keys() == TEXT["en"].keys(), language
    assert [month_name(OCT, language) for language in ("en", "zh", "es")] == [
        "October 2026",
        "2026年10月",
        "octubre de 2026",
    ]


@pytest.mark.parametrize("language", sorted(TEXT))
@pytest.mark.parametrize("kind", ["digest", "summary"])
def test_a_digest_renders_in_every_language_with_everything_escaped(language, kind):
    hostile = '<img src=x onerror="alert(1)">'
    digest = Digest(
        kind=kind,
        recipient="someone@example.com",
        language=language,
        month=OCT,
        run_date=RUN_DATE,
        dealers=[
            {
                "dealer_id": "D1",
                "dealer_name": hostile,
                "region": "<b>East</b>",
                "tier": "A",
                "manager_name": hostile,
                "rank": 1,
                "risk_score": 9.0,
                "worst": "critical",
                "alerts": [
                    {
                        "indicator": "new_indicator",
                        "severity": "critical",
                        "change": "new",
                        "explanation": hostile,
                    }
                ],
            }
        ],
        resolved=[
            {
                "dealer_id": "D2",
                "dealer_name": hostile,
                "indicator": "order_drop",
                "severity": "warning",
            }
        ],
        changes=Counter({"new": 1, "resolved": 1}),
        recipient_name=hostile,
        top_n=5,
    )
    message = render(digest, {"D1": b"\x89PNG fake"}, "dw@example.com", "0123456789abcdef0123")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<img src=x" not in html and "<b>East" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert hostile in text  # plain text is not HTML: shown as it is
    assert "new_indicator" in text  # an indicator without a translation keeps its name
    assert TEXT[language]["critical"] in text
    assert message["Message-ID"] == "<0123456789abcdef0123@example.com>"
    assert message["Content-Language"] == language


def test_every_indicator_detection_knows_has_a_name_in_every_language():
    names = {language: [words.get(i) for i in INDICATORS] for language, words in TEXT.items()}
    for language, translated in names.items():
        missing = [i for i, name in zip(INDICATORS, translated, strict=True) if not name]
        assert not missing, f"add {missing} to TEXT[{language!r}] in notify/i18n.py"
        assert len(set(translated)) == len(INDICATORS), language  # no two share a name
    assert names["zh"] != names["en"] != names["es"]


@pytest.mark.parametrize("report_url", [None, "https://reports.example.com/dw/2026-10/index.html"])
def test_a_digest_links_the_months_report_only_where_there_is_one(report_url):
    month = MONTH.with_columns(pl.col("status").alias("change"))
    digests, _ = plan_digests(month, MONTH, DEALERS, RANKS, ROUTING, RUN_DATE, report_url)
    for digest in digests:
        message = render(digest, {}, "dw@example.com", "0123456789abcdef0123")
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        label = TEXT[digest.language]["report_link"].split("{")[0]
        if report_url:
            assert f'<a href="{report_url}"' in html
            assert f": {report_url}" in text and label in text
        else:
            assert "<a href" not in html and label not in text
