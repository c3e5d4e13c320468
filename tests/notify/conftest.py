"""Fixtures of the notification tests: a tiny warehouse and a real SMTP server on localhost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from notify_support import (
    DEALERS,
    NOVEMBER,
    ROUTING,
    Certificate,
    MailServer,
    Network,
    free_port,
    self_signed_certificate,
)

from dealer_warnings import warehouse
from dealer_warnings.notify.charts import trend_months


@pytest.fixture
def network(tmp_path: Path) -> Network:
    db = tmp_path / "warehouse.duckdb"
    routing_file = tmp_path / "routing.yaml"
    routing_file.write_text(yaml.safe_dump(ROUTING), encoding="utf-8")
    con = warehouse.connect(db)
    try:
        warehouse.migrate(con)
        warehouse.build_marts(con, NOVEMBER)  # empty: the dealers have no loaded activity
        con.executemany(
            "INSERT INTO valid_dealers (load_id, run_id, line, dealer_id, dealer_name, region, "
            "tier, manager_name, manager_email) VALUES (1, 1, ?, ?, ?, ?, ?, ?, ?)",
            [[line, *dealer] for line, dealer in enumerate(DEALERS, start=2)],
        )
        activity = [
            [dealer_id, month, 100 + 10 * index, 5000 - 100 * index]
            for dealer_id, *_ in DEALERS
            for index, month in enumerate(trend_months(NOVEMBER))
        ]
        con.executemany(
            "INSERT INTO dealer_month (dealer_id, month, units_ordered, sales_revenue) "
            "VALUES (?, ?, ?, ?)",
            activity,
        )
    finally:
        con.close()
    return Network(db, routing_file)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """Listening for the whole test; `mail_server.port`."""
    with MailServer(free_port()).running() as server:
        yield server


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """The test SMTP server's self-signed certificate; trust it with smtp.ca_file."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))
