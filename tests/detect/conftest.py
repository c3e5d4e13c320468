"""Tiny hand-made dealer networks for the detection tests.

`panel(n_dealers, n_months)` builds a network where every dealer is active every month with
steady sell-in (three SKUs of three styles at steady prices), sell-out, complaints (also by
category), quality incidents and open service cases, plus deterministic mild noise. Tests
then change one thing (`scale`, `set`, `trim`) and ask `alerts()` what `detect_alerts`
makes of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import polars as pl
import pytest

from dealer_warnings.config import DetectSettings
from dealer_warnings.detect import DetectInput, detect_alerts

START = date(2024, 1, 1)
SKUS = {"S1": (50, 10.0), "S2": (30, 20.0), "S3": (20, 40.0)}  # sku: (units a month, price)
UNITS_PER_LINE = 5  # an order line of a SKU holds 5 units
CATEGORIES = ("logistics", "packaging", "design")  # complaints by category: `<category>` columns
CASE_AGES = {"overdue_cases": 45, "fresh_cases": 10}  # open cases at month end: age in days
DEALER_LEVEL = (
    "orders", "sales_revenue", "sales_units", "complaints", "quality_incidents",
    *CATEGORIES, *CASE_AGES,
)  # fmt: skip
COUNT_WOBBLE = (-1.0, 0.0, 1.0, 0.5, -0.5)  # x sqrt(rate): mild, never an outlier


def months(n: int) -> list[date]:
    return pl.date_range(START, date(START.year + 10, 1, 1), "1mo", eager=True)[:n].to_list()


def as_list(selection: str | Iterable[str] | None, everything: list) -> list:
    if selection is None:
        return everything
    return [selection] if isinstance(selection, str | date) else list(selection)


@dataclass(frozen=True)
class Panel:
    """One row per dealer and month (`activity`), one per dealer, SKU and month (`skus`)."""

    dealers: pl.DataFrame  # dealer_id, region, tier
    activity: pl.DataFrame  # dealer_id, month, orders, sales_revenue, sales_units, complaints, ...
    skus: pl.DataFrame  # dealer_id, sku, month, style, units, price

    @property
    def months(self) -> list[date]:
        return sorted(self.activity["month"].unique().to_list())

    @property
    def last(self) -> date:
        return self.months[-1]

    @property
    def dealer_ids(self) -> list[str]:
        return self.dealers["dealer_id"].to_list()

    def in_region(self, region: str) -> list[str]:
        return self.dealers.filter(pl.col("region") == region)["dealer_id"].to_list()

    def _where(self, dealers, months_) -> pl.Expr:
        return pl.col("dealer_id").is_in(as_list(dealers, self.dealer_ids)) & pl.col("month").is_in(
            as_list(months_, self.months)
        )

    def change(
        self,
        column: str,
        how: Callable[[pl.Expr], pl.Expr],
        dealers=None,
        months=None,
        skus=None,
    ) -> Panel:
        """Apply `how` to a column (an SKU column: units, price; or a dealer-level one)."""
        table = "activity" if column in DEALER_LEVEL else "skus"
        where = self._where(dealers, months)
        if skus is not None:
            where = where & pl.col("sku").is_in(as_list(skus, list(SKUS)))
        frame = getattr(self, table)
        dtype = frame.schema[column]
        changed = frame.with_columns(
            pl.when(where).then(how(pl.col(column))).otherwise(pl.col(column)).alias(column)
        ).with_columns(
            pl.col(column).round(0).cast(dtype) if dtype.is_integer() else pl.col(column)
        )
        if column == "units":  # orders of a SKU come in lines of UNITS_PER_LINE units
            lines = (pl.col("units") / UNITS_PER_LINE).round(0).cast(pl.Int64)
            changed = changed.with_columns(lines.alias("lines"))
        return replace(self, **{table: changed})

    def scale(self, column: str, factor: float, dealers=None, months=None, skus=None) -> Panel:
        return self.change(column, lambda c: c * factor, dealers, months, skus)

    def set(self, column: str, value: float, dealers=None, months=None) -> Panel:
        return self.change(column, lambda c: pl.lit(value), dealers, months)

    def order_less(self, factor: float, dealers=None, months=None) -> Panel:
        """Fewer orders and units (a dealer buying less buys less often, too)."""
        return self.scale("units", factor, dealers, months).scale("orders", factor, dealers, months)

    def sell_less(self, factor: float, dealers=None, months=None) -> Panel:
        """Lower reported sell-out: revenue and units."""
        return self.scale("sales_revenue", factor, dealers, months).scale(
            "sales_units", factor, dealers, months
        )

    def _keep(self, rows: pl.Expr) -> Panel:
        return replace(self, activity=self.activity.filter(rows), skus=self.skus.filter(rows))

    def trim(self, dealer: str, keep_months: int) -> Panel:
        """The dealer's first activity `keep_months` months before the end (a newcomer)."""
        return self._keep(
            (pl.col("dealer_id") != dealer) | (pl.col("month") >= self.months[-keep_months])
        )

    def until(self, month: date) -> Panel:
        """The network as it stood at the end of `month`."""
        return self._keep(pl.col("month") <= month)

    @property
    def dealer_sku_month(self) -> pl.DataFrame:
        return self.skus.select(
            "dealer_id", "sku", "month", "style", "units",
            (pl.col("units") * pl.col("price")).alias("order_value"),
        )  # fmt: skip

    @property
    def dealer_style_month(self) -> pl.DataFrame:
        return self.skus.group_by("dealer_id", "month", "style").agg(
            pl.col("lines").sum(), pl.col("units").sum()
        )

    @property
    def dealer_category_month(self) -> pl.DataFrame:
        return (
            self.activity.select("dealer_id", "month", *CATEGORIES)
            .unpivot(
                index=["dealer_id", "month"], variable_name="category", value_name="complaints"
            )
            .filter(pl.col("complaints") > 0)
        )

    @property
    def dealer_case_month(self) -> pl.DataFrame:
        """One row per case open at a month end, `overdue_cases` of them 45 days old."""
        counts = self.activity.select("dealer_id", "month", *CASE_AGES).unpivot(
            index=["dealer_id", "month"], variable_name="kind", value_name="n"
        )
        return (
            counts.with_columns(pl.int_ranges(0, pl.col("n")).alias("case"))
            .explode("case")
            .drop_nulls("case")
            .select(
                "dealer_id",
                "month",
                pl.format("{}-{}-{}-{}", "dealer_id", "month", "kind", "case").alias(
                    "complaint_id"
                ),
                pl.col("kind").replace_strict(CASE_AGES, return_dtype=pl.Int64).alias("age_days"),
            )
        )

    @property
    def inputs(self) -> DetectInput:
        return DetectInput(
            self.dealer_month,
            self.dealer_sku_month,
            self.dealers,
            self.dealer_category_month,
            self.dealer_case_month,
            self.dealer_style_month,
        )

    @property
    def dealer_month(self) -> pl.DataFrame:
        """The mart as `detect_alerts` reads it (units and value summed from the SKU lines)."""
        orders = self.dealer_sku_month.group_by("dealer_id", "month").agg(
            pl.col("units").sum().alias("units_ordered"),
            pl.col("order_value").sum(),
        )
        return (
            self.activity.join(orders, on=["dealer_id", "month"], how="left")
            .with_columns(
                pl.col("units_ordered").fill_null(0),
                pl.col("order_value").fill_null(0.0),
                pl.lit(0, pl.Int64).alias("units_returned"),
            )
            .with_columns(
                (pl.col("order_value") / pl.col("units_ordered")).alias("avg_unit_price"),
                # orders of equal size: sum of squared order sizes = units^2 / orders
                (pl.col("units_ordered") ** 2 / pl.col("orders").clip(lower_bound=1)).alias(
                    "order_units_sq"
                ),
            )
            .sort("dealer_id", "month")
        )

    def alerts(
        self, indicator: str | None = None, settings: DetectSettings | None = None, month=None
    ) -> pl.DataFrame:
        """The alerts of one month (default: the last), optionally of one indicator."""
        month = month or self.last
        found = detect_alerts(self.inputs, settings or DetectSettings(), month, month)
        return found if indicator is None else found.filter(pl.col("indicator") == indicator)


def make_panel(
    n_dealers: int = 8,
    n_months: int = 24,
    regions: tuple[str, ...] = ("North",),
    orders: float = 60,
    complaints: float = 1,
    quality: float = 1,
    rates: dict[str, dict[str, float]] | None = None,
    seed: int = 11,
    categories: float = 1,
    overdue_cases: float = 1,
) -> Panel:
    """`orders`, `complaints`, `quality`, `categories` (complaints of each watched category)
    and `overdue_cases` (cases open 45 days at a month end) are every dealer's monthly counts;
    `rates` sets them for some dealers: `{"complaints": {"D00": 300}}` is a big dealer's usual
    300 a month."""
    rng = np.random.default_rng(seed)
    ids = [f"D{i:02d}" for i in range(n_dealers)]
    calendar = months(n_months)
    dealers = pl.DataFrame(
        {
            "dealer_id": ids,
            "region": [regions[i % len(regions)] for i in range(n_dealers)],
            "tier": ["A"] * n_dealers,
        }
    )

    def wobble(size: int, amount: float = 0.04) -> np.ndarray:
        return 1 + rng.uniform(-amount, amount, size)

    def counts(column: str, rate: float) -> list[int]:
        return [
            max(0, round(r + COUNT_WOBBLE[(d * 3 + m) % len(COUNT_WOBBLE)] * r**0.5))
            for d, dealer in enumerate(ids)
            for r in [(rates or {}).get(column, {}).get(dealer, rate)]
            for m in range(n_months)
        ]

    grid = {"dealer_id": np.repeat(ids, n_months).tolist(), "month": calendar * n_dealers}
    size = n_dealers * n_months
    activity = pl.DataFrame(
        {
            **grid,
            "orders": counts("orders", orders),
            "sales_revenue": (10_000 * wobble(size)).round(2),
            "sales_units": np.round(100 * wobble(size)).astype(int),
            "complaints": counts("complaints", complaints),
            "quality_incidents": counts("quality_incidents", quality),
            **{category: counts(category, categories) for category in CATEGORIES},
            "overdue_cases": counts("overdue_cases", overdue_cases),
            "fresh_cases": counts("fresh_cases", 2 * complaints),
        }
    )
    skus = pl.concat(
        pl.DataFrame(
            {
                **grid,
                "sku": [sku] * size,
                "style": [f"style-{sku}"] * size,
                "units": np.round(units * wobble(size)).astype(int),
                "price": (price * wobble(size, 0.01)).round(2),
            }
        )
        for sku, (units, price) in SKUS.items()
    ).with_columns((pl.col("units") / UNITS_PER_LINE).round(0).cast(pl.Int64).alias("lines"))
    return Panel(dealers, activity, skus)


@pytest.fixture
def panel() -> Callable[..., Panel]:
    """`panel(n_dealers=8, n_months=24, regions=("North",), orders=60, complaints=1, ...)`."""
    return make_panel


def explained(alert: dict, *numbers: str) -> None:
    """The alert's sentence states the numbers that made it fire."""
    for text in numbers:
        assert text in alert["explanation"], (text, alert["explanation"])


@pytest.fixture
def assert_explained() -> Callable[..., None]:
    return explained


def alerting_dealers(panel: Panel, shock: Callable[[Panel, str], Panel], indicator: str) -> set:
    """Who alerts when the same shock hits an established dealer (D03) and a newcomer (D05)
    whose first month is `min_history_months` before the end (one month short of a verdict)."""
    young = panel.trim("D05", DetectSettings().baseline.min_history_months)
    shocked = shock(shock(young, "D03"), "D05")
    return set(shocked.alerts(indicator)["dealer_id"])


@pytest.fixture
def alerting_with_newcomer() -> Callable[..., set]:
    return alerting_dealers


@dataclass(frozen=True)
class SpikeCase:
    """A network where D00 is a big dealer (300 cases a month) and the others see about one."""

    column: str
    indicator: str
    noun: str
    network: Panel

    def alerts_when(self, dealer, count: int) -> pl.DataFrame:
        """The indicator's alerts when `dealer` has `count` cases in the last month."""
        network = self.network
        return network.set(self.column, count, dealer, network.last).alerts(self.indicator)

    def explained(self, alert: dict) -> None:
        explained(
            alert,
            f"{alert['value']:.0f} {self.noun} in {self.network.last:%b %Y}",
            f"the {alert['expected']:.2f} expected",
            f"its usual {alert['baseline']:.2f} a month",
        )


@pytest.fixture
def spike_case() -> Callable[[str, str, str], SpikeCase]:
    """`spike_case(column, indicator, noun)`."""

    def make(column: str, indicator: str, noun: str) -> SpikeCase:
        return SpikeCase(column, indicator, noun, make_panel(rates={column: {"D00": 300}}))

    return make
