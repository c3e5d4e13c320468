"""The demo generator: contract-shaped sources, honest labels, every export format."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dealer_warnings.contract import SOURCES
from dealer_warnings.demo import (
    EVENT_KINDS,
    NEGLECTED_DAYS_TO_CLOSE,
    QUALITY_HEADERS_ZH,
    DemoData,
    Regime,
    generate_demo,
    last_complete_month,
    varied_regime,
    write_demo,
)

DEALERS, MONTHS, SEED = 40, 24, 11
END_MONTH = date(2026, 10, 1)
LAST_DAY = date(2026, 10, 31)
FRAMES = ("dealers", "orders", "sales", "complaints", "quality", "labels")


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo(DEALERS, MONTHS, SEED, END_MONTH)


@pytest.fixture(scope="module")
def bigger_demo() -> DemoData:
    """Enough dealers for a dozen events of each kind, so statistics over them are stable."""
    return generate_demo(300, MONTHS, SEED, END_MONTH)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo")
    return out, write_demo(out, DEALERS, MONTHS, SEED, END_MONTH)


def test_every_contract_column_is_there_in_canonical_order(demo: DemoData) -> None:
    for name, source in SOURCES.items():
        assert getattr(demo, name).columns == source.column_names, name


def test_same_seed_same_frames_other_seed_other_frames(demo: DemoData) -> None:
    again = generate_demo(DEALERS, MONTHS, SEED, END_MONTH)
    for name in FRAMES:
        assert_frame_equal(getattr(demo, name), getattr(again, name))
    other = generate_demo(DEALERS, MONTHS, SEED + 1, END_MONTH)
    assert not other.orders.equals(demo.orders)
    assert not other.labels.equals(demo.labels)


def test_labels_cover_every_event_and_both_traps(demo: DemoData) -> None:
    labels = demo.labels
    events = labels.filter(pl.col("kind") == "event")
    assert set(events["indicator"]) == set(EVENT_KINDS)
    in_last_month = dict(
        events.filter(pl.col("month") == "2026-10")["indicator"].value_counts().iter_rows()
    )
    assert all(in_last_month.get(kind, 0) >= 1 for kind in EVENT_KINDS), in_last_month
    traps = labels.filter(pl.col("kind") == "trap")
    cheaper_mix = traps.filter(pl.col("note").str.starts_with("cheaper_mix"))
    assert cheaper_mix.height > 0 and set(cheaper_mix["indicator"]) == {"price_drop"}
    dip = traps.filter(pl.col("note").str.starts_with("region_dip"))
    assert dip.height > 0 and set(dip["indicator"]) == {"order_drop"}
    assert dip["month"].n_unique() == 1 and dip["month"][0] < "2026-10"
    injected = labels.filter(
        (pl.col("kind") == "event") | pl.col("note").str.starts_with("cheaper_mix")
    )
    assert injected["dealer_id"].n_unique() == injected.height, "one event or trap per dealer"
    for trap, indicator in (("logistics_wave", "category_spike"), ("stock_up", "sellthrough_gap")):
        region_wide = traps.filter(pl.col("note").str.starts_with(trap))
        assert region_wide.height > 0 and set(region_wide["indicator"]) == {indicator}
        assert region_wide["month"].n_unique() == 1
    assert labels["dealer_id"].is_in(demo.dealers["dealer_id"].implode()).all()
    assert labels["month"].is_between("2024-11", "2026-10").all()


def test_nothing_is_dated_after_the_end_month(demo: DemoData) -> None:
    assert demo.orders["order_date"].max() <= LAST_DAY
    assert demo.complaints["opened_on"].max() <= LAST_DAY
    assert demo.complaints["closed_on"].max() <= LAST_DAY
    assert demo.quality["reported_on"].max() <= LAST_DAY
    assert demo.dealers["active_since"].max() <= LAST_DAY
    assert demo.sales["month"].max() == "2026-10"
    days_open = (demo.complaints["closed_on"] - demo.complaints["opened_on"]).dt.total_days()
    assert days_open.drop_nulls().is_between(1, NEGLECTED_DAYS_TO_CLOSE[1]).all()
    assert demo.complaints["closed_on"].null_count() > 0


def test_returns_are_credit_notes_with_negative_quantity(demo: DemoData) -> None:
    orders = demo.orders
    is_return = orders["quantity"] < 0
    assert 0 < is_return.mean() < 0.05
    assert (orders["quantity"] != 0).all()
    assert (orders["order_id"].str.starts_with("C") == is_return).all()
    assert orders.filter(~is_return)["order_id"].str.contains(r"^SO\d{10,}$").all()
    assert (orders["unit_price"] >= 0).all()


def test_order_drop_dealers_lose_at_least_half_their_units(bigger_demo: DemoData) -> None:
    units = (
        bigger_demo.orders.filter(pl.col("quantity") > 0)
        .group_by("dealer_id", month=pl.col("order_date").dt.strftime("%Y-%m"))
        .agg(pl.col("quantity").sum())
    )
    months = [f"{m:%Y-%m}" for m in pl.date_range(date(2024, 11, 1), END_MONTH, "1mo", eager=True)]
    drops = bigger_demo.labels.filter(
        (pl.col("indicator") == "order_drop") & (pl.col("kind") == "event")
    )
    for dealer_id, month in drops.select("dealer_id", "month").iter_rows():
        mine = dict(units.filter(pl.col("dealer_id") == dealer_id).drop("dealer_id").iter_rows())
        start = months.index(month)
        baseline = pl.Series([mine.get(m, 0) for m in months[start - 6 : start]]).median()
        assert mine.get(month, 0) <= 0.5 * baseline, (dealer_id, month)


def test_cheaper_mix_keeps_per_sku_prices_while_the_average_falls(bigger_demo: DemoData) -> None:
    # Price relative to what other dealers of the same tier paid for the SKU that month (those
    # with a real price drop left out): list price changes and tier discounts cancel out.
    price_cutters = bigger_demo.labels.filter(
        (pl.col("indicator") == "price_drop") & (pl.col("kind") == "event")
    )["dealer_id"]
    bought = (
        bigger_demo.orders.filter(pl.col("quantity") > 0)
        .join(bigger_demo.dealers.select("dealer_id", "tier"), on="dealer_id")
        .with_columns(month=pl.col("order_date").dt.strftime("%Y-%m"))
    )
    reference = (
        bought.filter(~pl.col("dealer_id").is_in(price_cutters.implode()))
        .group_by("sku", "month", "tier")
        .agg(reference_price=pl.col("unit_price").median())
    )
    bought = bought.join(reference, on=["sku", "month", "tier"]).with_columns(
        relative_price=pl.col("unit_price") / pl.col("reference_price")
    )
    traps = bigger_demo.labels.filter(pl.col("note").str.starts_with("cheaper_mix"))
    average_price_change = []
    for dealer_id, month in traps.select("dealer_id", "month").iter_rows():
        mine = bought.filter(pl.col("dealer_id") == dealer_id)
        before, after = mine.filter(pl.col("month") < month), mine.filter(pl.col("month") >= month)
        per_sku = after["relative_price"].mean() / before["relative_price"].mean()
        assert 0.95 <= per_sku <= 1.05, (dealer_id, per_sku)
        average_price_change.append(_average_price(after) / _average_price(before))
    # The mix shift is what makes it a trap; one noisy month may hide it at a small dealer.
    assert pl.Series(average_price_change).median() < 0.9, average_price_change


def _average_price(lines: pl.DataFrame) -> float:
    return (lines["quantity"] * lines["unit_price"]).sum() / lines["quantity"].sum()


def test_files_are_written_in_every_contract_format(
    demo: DemoData, written: tuple[Path, dict[str, int]]
) -> None:
    out, counts = written
    assert counts == {
        "dealers": DEALERS,
        "orders": demo.orders.height,
        "sales": demo.sales.height,
        "complaints": demo.complaints.height,
        "quality": demo.quality.height,
        "files": 1 + MONTHS + 3 + 3,  # dealers, orders, sales 2024-26, complaints, quality, labels
        "events": demo.labels.filter(pl.col("kind") == "event").height,
        "traps": demo.labels.filter(pl.col("kind") == "trap").height,
    }
    assert len(list(out.glob("orders_*.csv"))) == MONTHS - 1

    dealers_bytes = (out / "dealers.csv").read_bytes()
    assert dealers_bytes.startswith(b"\xef\xbb\xbf")
    assert_frame_equal(pl.read_csv(dealers_bytes, try_parse_dates=True), demo.dealers)

    last_orders = pl.read_excel(out / "orders_2026-10.xlsx")
    assert last_orders.schema["order_date"] in (pl.Date, pl.Datetime("ms"))
    assert_frame_equal(
        last_orders.with_columns(pl.col("order_date").cast(pl.Date)),
        demo.orders.filter(pl.col("order_date") >= END_MONTH),
        check_dtypes=False,
    )

    sales = pl.concat([pl.read_parquet(p) for p in sorted(out.glob("sales_*.parquet"))])
    assert_frame_equal(sales, demo.sales)

    complaints = pl.read_excel(out / "complaints.xlsx").with_columns(
        pl.col("opened_on", "closed_on").cast(pl.Date)
    )
    assert_frame_equal(complaints, demo.complaints)

    quality_text = (out / "quality.csv").read_bytes().decode("gb18030")
    assert quality_text.splitlines()[0] == ",".join(QUALITY_HEADERS_ZH.values())
    quality = pl.read_csv(quality_text.encode(), infer_schema=False).rename(
        {zh: name for name, zh in QUALITY_HEADERS_ZH.items()}
    )
    assert quality["reported_on"].str.contains(r"^\d{4}/\d{2}/\d{2}$").all()
    assert_frame_equal(
        quality.with_columns(
            pl.col("reported_on").str.to_date("%Y/%m/%d"), pl.col("units_affected").cast(pl.Int64)
        ),
        demo.quality,
    )
    assert_frame_equal(pl.read_csv(out / "labels.csv"), demo.labels)


def test_regenerating_removes_its_own_old_files_only(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    write_demo(tmp_path, DEALERS, MONTHS, SEED, END_MONTH)
    write_demo(tmp_path, DEALERS, 14, SEED, date(2026, 6, 1))
    orders = sorted(p.name for p in tmp_path.glob("orders_*"))
    assert orders[0] == "orders_2025-05.csv" and orders[-1] == "orders_2026-06.xlsx"
    assert len(orders) == 14
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_default_end_month_is_the_last_complete_month() -> None:
    assert last_complete_month(date(2026, 11, 23)) == date(2026, 10, 1)
    assert last_complete_month(date(2027, 1, 5)) == date(2026, 12, 1)


def test_too_small_networks_are_refused() -> None:
    with pytest.raises(ValueError, match="months"):
        generate_demo(DEALERS, 12, SEED, END_MONTH)
    with pytest.raises(ValueError, match="too few"):
        generate_demo(10, MONTHS, SEED, END_MONTH)


def _events(demo: DemoData, indicator: str) -> list[tuple[str, str]]:
    events = demo.labels.filter((pl.col("kind") == "event") & (pl.col("indicator") == indicator))
    return events.select("dealer_id", "month").rows()


def _monthly(frame: pl.DataFrame, date_column: str, dealer_id: str) -> pl.DataFrame:
    return frame.filter(pl.col("dealer_id") == dealer_id).with_columns(
        pl.col(date_column).dt.strftime("%Y-%m").alias("month")
    )


def test_a_service_overdue_dealer_leaves_most_new_cases_open(bigger_demo: DemoData) -> None:
    for dealer_id, month in _events(bigger_demo, "service_overdue"):
        cases = _monthly(bigger_demo.complaints, "opened_on", dealer_id)
        days = (pl.col("closed_on") - pl.col("opened_on")).dt.total_days()
        slow = days.fill_null(10_000) > 31
        before = cases.filter(pl.col("month") < month).select(slow.mean()).item()
        after = cases.filter(pl.col("month") >= month).select(slow.mean()).item()
        assert after > before + 0.3, (dealer_id, before, after)


def test_a_category_spike_adds_complaints_of_one_watched_category(bigger_demo: DemoData) -> None:
    for dealer_id, month in _events(bigger_demo, "category_spike"):
        that_month = _monthly(bigger_demo.complaints, "opened_on", dealer_id).filter(
            pl.col("month") == month
        )
        top = that_month["category"].value_counts(sort=True).row(0)
        assert top[0] in ("logistics", "packaging", "design") and top[1] >= 4, (dealer_id, top)


def _before_and_after(frame: pl.DataFrame, month: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    return frame.filter(pl.col("month") < month), frame.filter(pl.col("month") >= month)


def test_a_sellthrough_gap_dealer_buys_more_than_it_sells(bigger_demo: DemoData) -> None:
    for dealer_id, month in _events(bigger_demo, "sellthrough_gap"):
        orders = bigger_demo.orders.filter(pl.col("quantity") > 0)
        bought = _before_and_after(_monthly(orders, "order_date", dealer_id), month)
        sold = _before_and_after(bigger_demo.sales.filter(pl.col("dealer_id") == dealer_id), month)
        ratio = [b["quantity"].sum() / s["units"].sum() for b, s in zip(bought, sold, strict=True)]
        assert ratio[1] > 1.3 * ratio[0], dealer_id


def test_a_style_shift_dealer_stops_buying_its_regions_best_styles(bigger_demo: DemoData) -> None:
    for dealer_id, month in _events(bigger_demo, "style_shift"):
        if month == "2026-10":
            continue  # one month of orders is too few to compare shares reliably
        note = bigger_demo.labels.filter(pl.col("dealer_id") == dealer_id)["note"][0]
        best = note.split("(")[1].split(")")[0].split(", ")
        orders = bigger_demo.orders.filter(pl.col("quantity") > 0)
        lines = _before_and_after(_monthly(orders, "order_date", dealer_id), month)
        before, after = (part["style"].is_in(best).mean() for part in lines)
        assert after < 0.5 * before, (dealer_id, best)


def test_a_varied_regime_is_drawn_from_the_seed_and_changes_the_network() -> None:
    assert varied_regime(3) == varied_regime(3)
    assert varied_regime(3) != varied_regime(4)
    assert varied_regime(3) != Regime()
    varied = generate_demo(DEALERS * 3, MONTHS, 3, END_MONTH, varied_regime(3))
    assert not varied.orders.equals(generate_demo(DEALERS * 3, MONTHS, 3, END_MONTH).orders)
    assert set(varied.labels.filter(pl.col("kind") == "event")["indicator"]) == set(EVENT_KINDS)


def test_a_late_report_moves_one_months_sell_out_into_the_next(bigger_demo: DemoData) -> None:
    late = bigger_demo.labels.filter(pl.col("note").str.starts_with("late_report"))
    assert set(late["indicator"]) == {"sales_drop", "sellthrough_gap"}
    assert late["kind"].unique().to_list() == ["trap"]
    dealer_id, month = late.row(0)[:2]
    revenue = (
        bigger_demo.sales.filter(pl.col("dealer_id") == dealer_id)
        .group_by("month")
        .agg(pl.col("revenue").sum())
        .sort("month")
    )
    at = revenue["month"].to_list().index(month)
    usual = revenue["revenue"][at - 6 : at].median()
    assert revenue["revenue"][at] == 0
    assert revenue["revenue"][at + 1] > 1.5 * usual  # two months' sell-out at once
