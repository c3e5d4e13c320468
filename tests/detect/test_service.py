"""Customer-service cases not followed up: service_overdue, and the open-cases mart."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from dealer_warnings import warehouse
from dealer_warnings.config import ServiceOverdueSettings
from dealer_warnings.detect.service import overdue_cases


def test_service_overdue_fires_when_cases_pile_up_past_their_age(panel, assert_explained):
    network = panel()
    alerts = network.set("overdue_cases", 9, "D03", network.last).alerts("service_overdue")

    assert alerts["dealer_id"].to_list() == ["D03"]
    alert = alerts.row(0, named=True)
    assert alert["value"] == 9
    assert alert["baseline"] == pytest.approx(1, abs=0.3)
    assert_explained(
        alert,
        "9 cases still open more than 30 days after they were opened",
        f"at the end of {network.last:%b %Y}",
        f"the {alert['expected']:.2f} expected",
    )


def test_service_overdue_fires_when_a_dealer_leaves_most_of_its_few_recent_cases_open(
    panel, assert_explained
):
    # Two cases a month, one of them usually still open a month on. Six overdue against
    # that one is no clear count in a month's noise; six of its seven recent cases (86%,
    # against its usual 15%) are a dealer that stopped following up.
    network = panel(rates={"complaints": {"D03": 2}, "overdue_cases": {"D03": 1}})
    alerts = network.set("overdue_cases", 6, "D03", network.last).alerts("service_overdue")

    assert alerts["dealer_id"].to_list() == ["D03"]
    assert_explained(
        alerts.row(0, named=True),
        f"At the end of {network.last:%b %Y} (9 open in all), 6 of its 7 cases opened in the "
        "4 months before were still open more than 30 days later (86%), against the 15%",
    )


def test_service_overdue_is_quiet_when_a_big_dealers_usual_30_become_36(panel):
    network = panel(rates={"overdue_cases": {"D00": 30}})
    assert (
        network.set("overdue_cases", 36, "D00", network.last).alerts("service_overdue").height == 0
    )


def test_service_overdue_is_quiet_when_every_peer_falls_behind_together(panel):
    # A system outage leaves everybody's cases open: the peers explain it.
    network = panel()
    backlog = network.scale("overdue_cases", 4, None, network.last)
    assert backlog.alerts("service_overdue").height == 0


def test_service_overdue_needs_min_history_months(panel, alerting_with_newcomer):
    def pile_up(network, dealer):
        return network.set("overdue_cases", 12, dealer, network.last)

    assert alerting_with_newcomer(panel(), pile_up, "service_overdue") == {"D03"}


def test_only_recent_cases_past_the_allowed_age_count():
    settings = ServiceOverdueSettings(overdue_days=30, recent_days=120)
    cases = pl.DataFrame(
        {
            "dealer_id": ["D1"] * 4,
            "month": [date(2026, 10, 1)] * 4,
            "complaint_id": ["fresh", "overdue", "old", "oldest"],
            "age_days": [10, 45, 120, 400],
        }
    )
    counted = overdue_cases(cases, settings).row(0, named=True)
    assert (counted["overdue_cases"], counted["open_cases"]) == (2, 4)


def test_a_case_closed_after_the_month_end_was_open_at_it():
    """The mart never looks ahead: at the end of September, a case closed in October was open."""
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE stg_complaints AS SELECT * FROM (VALUES "
            "('C1', 'D1', DATE '2026-08-10', 'logistics', 'low', DATE '2026-10-05'), "
            "('C2', 'D1', DATE '2026-08-20', 'design', 'high', DATE '2026-09-30'), "
            "('C3', 'D1', DATE '2026-09-25', 'service', NULL, NULL)) "
            "AS t(complaint_id, dealer_id, opened_on, category, severity, closed_on)"
        )
        query = warehouse.sql_text("marts/dealer_case_month.sql")
        rows = con.sql(query, params={"as_of": date(2026, 9, 1), "since": date.min}).pl()

    september = rows.filter(pl.col("month") == date(2026, 9, 1))
    assert sorted(september["complaint_id"]) == ["C1", "C3"]  # C2 closed on the last day
    assert dict(september.select("complaint_id", "age_days").iter_rows()) == {"C1": 51, "C3": 5}
    august = rows.filter(pl.col("month") == date(2026, 8, 1))
    assert sorted(august["complaint_id"]) == ["C1", "C2"]
    assert rows["month"].max() == date(2026, 9, 1)  # nothing after the as-of month


def test_service_overdue_is_quiet_when_more_cases_came_in_and_are_handled_as_usual(panel):
    # Twelve times the complaints for three months, and a dozen cases still open: the
    # dealer follows up as it always did, it just had more to follow up.
    network = panel()
    busy = network.months[-4:-1]
    flood = network.scale("complaints", 12, "D03", busy).set(
        "overdue_cases", 12, "D03", network.last
    )
    assert flood.alerts("service_overdue").height == 0
    # The same backlog without the extra cases is a failure to follow up.
    backlog = network.set("overdue_cases", 12, "D03", network.last)
    assert backlog.alerts("service_overdue")["dealer_id"].to_list() == ["D03"]
