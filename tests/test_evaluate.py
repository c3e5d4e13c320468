"""Scoring alerts against labels, on hand-made tables whose right answers are counted by eye."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pytest

from dealer_warnings.evaluate import dormancy_onsets, dormancy_table, evaluate, read_labels

INDICATORS = ("order_drop", "complaint_spike")


def alerts(*rows: tuple[str, str, str]) -> pl.DataFrame:
    """(month YYYY-MM, dealer_id, indicator) rows."""
    return pl.DataFrame(
        {
            "month": [date(int(m[:4]), int(m[5:]), 1) for m, _, _ in rows],
            "dealer_id": [d for _, d, _ in rows],
            "indicator": [i for _, _, i in rows],
        }
    )


@pytest.fixture
def labels(tmp_path) -> pl.DataFrame:
    path = tmp_path / "labels.csv"
    path.write_text(
        "dealer_id,month,indicator,kind,note\n"
        "D1,2026-03,order_drop,event,units -70%\n"
        "D2,2026-03,complaint_spike,event,x5\n"
        "D3,2026-02,order_drop,trap,region_dip\n"
        "D4,2026-02,order_drop,event,found too late\n",
        encoding="utf-8",
    )
    return read_labels(path)


def by_indicator(table: pl.DataFrame) -> dict[str, dict]:
    return {row["indicator"]: row for row in table.iter_rows(named=True)}


def test_true_related_and_false_alerts_are_told_apart(labels):
    found = alerts(
        ("2026-03", "D1", "order_drop"),  # the event, on time
        ("2026-05", "D1", "order_drop"),  # the same lasting drop, still true
        ("2026-04", "D1", "complaint_spike"),  # another indicator on an event dealer: related
        ("2026-03", "D2", "complaint_spike"),  # the spike, on time
        ("2026-05", "D2", "complaint_spike"),  # two months after a spike: false
        ("2026-02", "D3", "order_drop"),  # the trap tripped: false
        ("2026-05", "D4", "order_drop"),  # three months after its event: true, but not found
        ("2026-06", "D9", "order_drop"),  # no label at all: false
    )
    table = by_indicator(evaluate(found, labels, dealer_months=1000, indicators=INDICATORS))

    order_drop = table["order_drop"]
    assert (order_drop["events"], order_drop["found"]) == (2, 1)
    assert (order_drop["alerts"], order_drop["false_alerts"]) == (5, 2)
    assert order_drop["precision"] == pytest.approx(3 / 5)
    assert order_drop["false_per_1000_dealer_months"] == pytest.approx(2.0)
    assert (order_drop["traps"], order_drop["traps_tripped"]) == (1, 1)

    spike = table["complaint_spike"]
    assert (spike["events"], spike["found"], spike["alerts"], spike["false_alerts"]) == (1, 1, 3, 1)

    dealers = table["all (per dealer)"]
    assert (dealers["events"], dealers["found"]) == (3, 3)
    assert (dealers["alerts"], dealers["false_alerts"]) == (5, 2)  # D3 and D9 flagged wrongly


def test_labels_without_a_required_column_are_refused(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("dealer_id,month,indicator\nD1,2026-03,order_drop\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"missing column.*kind"):
        read_labels(path)


def test_an_event_too_recent_to_be_found_in_time_is_pending_not_missed(labels):
    found = alerts(("2026-03", "D1", "order_drop"), ("2026-06", "D9", "order_drop"))
    late = labels.vstack(
        read_labels_text("dealer_id,month,indicator,kind,note\nD5,2026-06,order_drop,event,x\n")
    )
    table = by_indicator(
        evaluate(found, late, 1000, INDICATORS, date(2026, 1, 1), date(2026, 6, 1))
    )

    assert (table["order_drop"]["events"], table["order_drop"]["pending"]) == (2, 1)
    assert table["order_drop"]["recall"] == pytest.approx(1 / 2)  # D1 found, D4 missed
    assert table["all (per dealer)"]["pending"] == 1


def read_labels_text(text: str) -> pl.DataFrame:
    return read_labels(io.StringIO(text))


def dealer_months(orders: dict[str, list[int]]) -> pl.DataFrame:
    months = pl.date_range(date(2026, 1, 1), date(2026, 8, 1), "1mo", eager=True).to_list()
    return pl.DataFrame(
        [(d, months[i], n) for d, counts in orders.items() for i, n in enumerate(counts)],
        schema={"dealer_id": pl.Utf8, "month": pl.Date, "orders": pl.Int64},
        orient="row",
    )


def test_a_dealer_goes_dormant_after_three_months_without_an_order():
    history = dealer_months(
        {
            "D1": [4, 4, 4, 0, 0, 0, 0, 0],  # dormant from April
            "D2": [4, 0, 0, 4, 0, 0, 4, 4],  # quiet spells, never three months
            "D3": [0, 0, 0, 4, 4, 4, 0, 0],  # a late start is not dormancy; the end is unseen
        }
    )
    onsets = dormancy_onsets(history)
    assert onsets.rows() == [("D1", date(2026, 4, 1))]


def test_dormancy_figures_count_warnings_and_their_lead_without_labels():
    history = dealer_months({"D1": [4, 4, 4, 0, 0, 0, 0, 0], "D2": [4] * 8})
    fired = alerts(
        ("2026-02", "D1", "order_drop"),  # two months before D1 stops ordering: warned
        ("2026-01", "D2", "complaint_spike"),  # D2 carries on: not followed by dormancy
        ("2026-07", "D2", "order_drop"),  # too recent to know what follows
    )
    table = by_indicator(
        dormancy_table(
            fired, dormancy_onsets(history), 16, INDICATORS, date(2026, 1, 1), date(2026, 8, 1)
        )
    )

    drop = table["order_drop"]
    assert (drop["went_dormant"], drop["warned"], drop["mean_lead_months"]) == (1, 1, 2.0)
    assert (drop["alerts_followed_up"], drop["followed_by_dormancy"]) == (1, 1)
    spike = table["complaint_spike"]
    assert (spike["warned"], spike["alerts_followed_up"], spike["precision"]) == (0, 1, 0.0)
    assert spike["false_per_1000_dealer_months"] == pytest.approx(1000 / 16)
    assert table["any alert"]["recall"] == 1.0
