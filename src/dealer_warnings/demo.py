"""Synthetic dealer exports with labelled warning events, for demos, tests and benchmarks.

`generate_demo` is pure: it returns the five contract sources plus the answer key as polars
frames. `write_demo` writes them in the formats real exports arrive in (CSV with and without
a BOM, GB18030 with Chinese headers, xlsx with date cells, parquet), so a demo run exercises
every reader. The data is shaped like a real network (seasonality, trends, overdispersed
noise, list price changes, returns, late starters) so that detection tuned on it has to cope
with what a real network throws at it. Injected events and traps (changes that look alarming
but must not alert) are listed in labels.csv so alerts can be scored.

A `Regime` holds the knobs that make one network unlike another (how noisy, seasonal, big and
lumpy it is, how strong its events are); `Regime()` is the demo, `varied_regime(seed)` draws
another one, so detection is measured on networks it was not tuned on.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from openpyxl import Workbook

from dealer_warnings.months import last_complete_month

# --- Dealer network -------------------------------------------------------------------------
REGION_NAMES = ("North", "South", "East", "West", "Central", "Northeast", "Southwest", "Coast")
REGION_SIZE_CONCENTRATION = 3.0  # Dirichlet: regions differ in size, none is empty in practice
TIERS = ("A", "B", "C")
ORDERS_PER_MONTH_BY_TIER = (40.0, 15.0, 6.0)  # median dealer of the tier, at order_scale 1
UNITS_PER_LINE_BY_TIER = (8.0, 5.0, 3.0)
UNITS_PER_LINE_SIGMA = 0.3
TIER_DISCOUNT = (0.30, 0.22, 0.15)  # off list price
CATALOGUE_SHARE_BY_TIER = ((0.6, 1.0), (0.4, 0.8), (0.2, 0.5))  # share of SKUs a dealer buys
MIN_SKUS_PER_DEALER = 3
LATE_START_SHARE = 0.10  # dealers whose first order falls in the middle of the period
DEALERS_PER_MANAGER = 30
ACTIVE_SINCE_MAX_YEARS = 15
# (share of dealers, yearly log-growth range): growing, stable, shrinking.
TREND_PROFILES = ((0.30, (0.05, 0.25)), (0.45, (-0.03, 0.03)), (0.25, (-0.20, -0.05)))
# Calendar month 1..12: Chinese New Year dip in February, a Q4 peak.
SEASONAL_SHAPE = (0.95, 0.70, 0.95, 1.00, 1.00, 0.97, 0.92, 0.93, 1.02, 1.06, 1.15, 1.30)
REGION_STYLE_AFFINITY_SIGMA = 0.7  # each region has its favourite designs (log spread)

CHINESE_FAMILY_NAMES = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu")
CHINESE_GIVEN_NAMES = ("Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Tao", "Hui", "Jun", "Xin")
SPANISH_FIRST_NAMES = ("María", "José", "Carmen", "Javier", "Lucía", "Andrés", "Sofía", "Diego")
SPANISH_SURNAMES = (
    "García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz",
    "Díaz", "Romero", "Navarro", "Torres",
)  # fmt: skip
ENGLISH_FIRST_NAMES = ("James", "Emma", "Oliver", "Grace", "Henry", "Chloe", "Samuel", "Ruby")
ENGLISH_SURNAMES = ("Smith", "Taylor", "Brown", "Walker", "Wright", "Hughes", "Clarke", "Baker")
CHINESE_CITIES = ("上海", "杭州", "成都", "武汉", "广州", "南京", "西安", "重庆", "青岛", "苏州")
CHINESE_TRADE_NAMES = (
    "恒达",
    "鑫源",
    "华美",
    "金盛",
    "宏图",
    "佳和",
    "永泰",
    "瑞丰",
    "东方",
    "新世纪",
)
CHINESE_COMPANY_SUFFIXES = ("商贸有限公司", "家居建材", "贸易公司", "经销部")
SPANISH_COMPANY_PREFIXES = ("Distribuciones", "Comercial", "Suministros", "Almacenes", "Hogar")
SPANISH_COMPANY_SUFFIXES = ("S.L.", "S.A.", "e Hijos")
ENGLISH_TRADE_NAMES = (
    "Northwind", "Bluestone", "Redwood", "Silverline", "Oakridge", "Harbor",
    "Summit", "Evergreen", "Riverside", "Ironbridge", "Maple", "Granite",
)  # fmt: skip
ENGLISH_TRADES = ("Supply", "Home", "Trading", "Interiors", "Distribution", "Building")
ENGLISH_COMPANY_SUFFIXES = ("Ltd", "Co.", "Group", "Inc.")

# --- Products and prices --------------------------------------------------------------------
SKU_COUNT_RANGE = (30, 60)
STYLE_NAMES = (
    "Aurora",
    "Nordic",
    "Classic",
    "Metro",
    "Zen",
    "Coastal",
    "Loft",
    "Heritage",
    "Terra",
)
STYLE_COUNT_RANGE = (7, 9)
PRODUCT_LINES = ("Kitchen", "Bath", "Lighting", "Outdoor", "Storage")
PRODUCT_LINE_COUNT_RANGE = (3, 5)
LIST_PRICE_RANGE = (20.0, 800.0)  # log-uniform
SKU_POPULARITY_SIGMA = 0.8
CHEAP_SKU_PREFERENCE = 0.5  # popularity ~ (median price / price) ** this
QUANTITY_PRICE_ELASTICITY = 0.3  # cheaper SKUs go in bigger quantities per line
PRICE_NOISE = 0.02  # per line, around the dealer's net price
MONTHS_PER_LIST_PRICE_CHANGE = 12
LIST_PRICE_CHANGE_RANGE = (-0.03, 0.06)  # per product line, every dealer at once

# --- Orders ---------------------------------------------------------------------------------
LINES_PER_ORDER_PROBABILITIES = (0.30, 0.25, 0.20, 0.15, 0.10)  # 1..5 lines
REPEATED_SKU_SHARE = 0.04  # a line repeating the previous line's SKU (split delivery)
REDRAW_ROUNDS = 4  # an order otherwise lists distinct SKUs
RETURN_SHARE = 0.02
RETURN_DELAY_DAYS = (3, 30)
MIN_ORDER_SEQUENCE_DIGITS = 4

# --- Sell-out -------------------------------------------------------------------------------
SELL_OUT_LAG_MONTHS = 1  # a dealer that buys less from us sells less of ours a month later
SELL_THROUGH_RANGE = (0.90, 1.05)
RETAIL_MARKUP_RANGE = (1.25, 1.60)
RETAIL_PRICE_NOISE = 0.03

# --- Complaints and quality incidents -------------------------------------------------------
INCIDENT_PROPENSITY_SIGMA = 0.35
COMPLAINT_CATEGORIES = ("quality", "logistics", "packaging", "service", "design", "other")
COMPLAINT_CATEGORY_WEIGHTS = (0.30, 0.20, 0.10, 0.20, 0.10, 0.10)
SEVERITIES = ("low", "medium", "high")
SEVERITY_WEIGHTS = (0.50, 0.35, 0.15)
MAX_DAYS_TO_CLOSE = 60
NEGLECTED_DAYS_TO_CLOSE = (60, 240)  # a service_overdue dealer's cases, when closed at all
DEFECT_TYPES = ("scratch", "leak", "electrical", "missing part", "dent", "color mismatch")
UNITS_AFFECTED_P = 0.4  # geometric: mostly 1-3 units
SPIKE_UNITS_AFFECTED_P = 0.2

# --- Injected events and traps --------------------------------------------------------------
EVENT_KINDS = (
    "order_drop", "price_drop", "complaint_spike", "quality_spike", "sales_drop",
    "service_overdue", "sellthrough_gap", "category_spike", "style_shift",
)  # fmt: skip
CHEAPER_MIX = "cheaper_mix"
INJECTED_KINDS = (*EVENT_KINDS, CHEAPER_MIX)  # one per dealer at most
INJECTED_SIZE_RANGES = {  # at event_strength 1
    "order_drop": (0.5, 0.9),  # share of units lost
    "price_drop": (0.15, 0.35),  # share of unit price lost
    "complaint_spike": (4.0, 8.0),  # times the normal rate
    "quality_spike": (5, 15),  # extra incidents
    "sales_drop": (0.4, 0.7),  # share of sell-out lost
    "service_overdue": (0.6, 0.9),  # share of new cases nobody follows up
    "sellthrough_gap": (1.0, 2.0),  # rise of sell-in / sell-out: half more bought, half less sold
    "category_spike": (4.0, 8.0),  # times the category's normal rate, for two months
    "style_shift": (0.75, 0.95),  # share of its units in the region's best styles lost
    CHEAPER_MIX: (0.20, 0.45),  # share of the average unit price lost to the mix shift
}
LOST_SHARE_KINDS = ("order_drop", "price_drop", "sales_drop", "service_overdue", "style_shift")
MAX_LOST_SHARE = 0.95
MIN_DEALERS_PER_KIND = 2
LAST_MONTH_DEALERS_PER_KIND = 1  # so a run for the last month has alerts to show
HISTORY_BEFORE_EVENT = 13  # months of activity a baseline needs
MIN_EVENT_ORDERS_PER_MONTH = 5.0  # smaller dealers' months are too sparse to show an event
MIN_EVENT_COMPLAINTS_PER_MONTH = 2.0  # service_overdue: enough cases to see them pile up
MIN_TOP_STYLE_SHARE = 0.25  # style_shift: the dealer buys its region's best styles
TOP_STYLES = 2  # a region's best-selling styles, by expected units
BASELINE_MONTHS = 6  # the order_drop guarantee holds against this many months before
DORMANT_SHARE = 0.25  # order_drop dealers that stop ordering altogether
MIN_EXTRA_COMPLAINTS = 6
MIN_EXTRA_CATEGORY_COMPLAINTS = 4
CATEGORY_SPIKE_MONTHS = 2
SPIKING_CATEGORIES = ("logistics", "packaging", "design")
SPIKE_SAME_CAUSE_SHARE = 0.7  # spike complaints/incidents sharing one category or sku+defect
SPIKE_CLUSTER_DAYS = 7
LOGISTICS_WAVE_RANGE = (3.0, 6.0)  # trap: a region's logistics complaints x this for a month
STOCK_UP_RANGE = (0.4, 0.7)  # trap: a region's dealers buy this much more ahead of a season
MAX_CHEAPER_MIX_TILT = 8.0  # dealers with a narrow price range may not reach their target
TILT_BISECTION_STEPS = 30
VARIED_REGIME_STREAM = 1  # varied_regime(seed) draws from its own stream, not the data's
LATE_REPORT_STREAM = 2  # late sell-out reports draw from their own stream: the rest stays put
LATE_REPORT_TRAPS = ("sales_drop", "sellthrough_gap")  # what a late report must not trip

# --- Files ----------------------------------------------------------------------------------
QUALITY_HEADERS_ZH = {
    "incident_id": "事件编号",
    "dealer_id": "经销商编码",
    "reported_on": "报告日期",
    "sku": "物料编码",
    "defect_type": "缺陷类型",
    "units_affected": "影响数量",
}
LABEL_COLUMNS = ("dealer_id", "month", "indicator", "kind", "note")
GENERATED_FILE_PATTERNS = (
    "dealers.csv",
    "orders_????-??.csv",
    "orders_????-??.xlsx",
    "sales_????.parquet",
    "complaints.xlsx",
    "quality.csv",
    "labels.csv",
)
SOURCE_FRAMES = ("dealers", "orders", "sales", "complaints", "quality")


@dataclass(frozen=True)
class Regime:
    """The knobs that make one network unlike another; the defaults are the demo's."""

    region_count: tuple[int, int] = (5, 7)  # inclusive range drawn from
    tier_shares: tuple[float, ...] = (0.15, 0.35, 0.50)  # of TIERS
    order_scale: float = 1.0  # x ORDERS_PER_MONTH_BY_TIER
    dealer_size_sigma: float = 0.45  # lognormal spread of size within a tier
    # Monthly purchasing noise is gamma(shape, 1/shape) times Poisson counts: low = erratic.
    noise_shape: tuple[float, float] = (4.0, 40.0)
    season_amplitude: tuple[float, float] = (0.5, 1.4)  # x SEASONAL_SHAPE's swing, per region
    dealer_season_sigma: float = 0.08  # a dealer's own seasonal pattern on its region's (log)
    lumpy_sell_out: bool = False  # sell-out follows the dealer's purchases a month later
    sell_out_noise: float = 0.10  # lognormal month-to-month noise of sell-out
    complaints_per_order: float = 0.15
    quality_incidents_per_order: float = 0.03
    complaint_noise_shape: float = 50.0  # gamma month-to-month noise of complaint rates
    open_complaint_share: float = 0.05  # cases nobody ever closes
    mean_days_to_close: float = 12.0
    event_strength: float = 1.0  # scales INJECTED_SIZE_RANGES' effects; < 1 = subtler events
    event_share: tuple[float, float] = (
        0.03,
        0.05,
    )  # per event kind, of the dealers able to show one
    region_dip: tuple[float, float] = (0.30, 0.45)  # trap: one region orders less for a month
    late_report_share: float = 0.03  # trap: dealers whose sell-out of one month comes with the next


def varied_regime(seed: int) -> Regime:
    """A randomly drawn regime: a network noisier or steadier, flatter or more seasonal,
    bigger or smaller, with lumpy or smooth sell-out and weaker or stronger events."""
    rng = np.random.default_rng([seed, VARIED_REGIME_STREAM])
    fewest_regions = int(rng.integers(2, 7))
    return Regime(
        region_count=(fewest_regions, fewest_regions + int(rng.integers(0, 3))),
        tier_shares=tuple(float(share) for share in rng.dirichlet((3.0, 7.0, 10.0))),
        order_scale=float(np.exp(rng.uniform(np.log(0.5), np.log(2.0)))),
        dealer_size_sigma=float(rng.uniform(0.3, 0.8)),
        noise_shape=(float(rng.uniform(2.0, 8.0)), float(rng.uniform(15.0, 60.0))),
        season_amplitude=(0.0, float(rng.uniform(0.5, 2.0))),
        dealer_season_sigma=float(rng.uniform(0.0, 0.25)),
        lumpy_sell_out=bool(rng.random() < 0.5),
        sell_out_noise=float(rng.uniform(0.05, 0.25)),
        complaints_per_order=float(rng.uniform(0.08, 0.30)),
        quality_incidents_per_order=float(rng.uniform(0.01, 0.05)),
        complaint_noise_shape=float(rng.uniform(3.0, 30.0)),
        open_complaint_share=float(rng.uniform(0.0, 0.12)),
        mean_days_to_close=float(rng.uniform(5.0, 20.0)),
        event_strength=float(rng.uniform(0.75, 1.2)),
        event_share=(0.02, 0.05),
        region_dip=(0.30, 0.50),
        late_report_share=float(rng.uniform(0.0, 0.06)),
    )


@dataclass(frozen=True)
class DemoData:
    """The generated sources (contract columns, canonical order) and the answer key."""

    end_month: date
    dealers: pl.DataFrame
    orders: pl.DataFrame
    sales: pl.DataFrame
    complaints: pl.DataFrame
    quality: pl.DataFrame
    labels: pl.DataFrame


@dataclass(frozen=True)
class _Calendar:
    """The months of the data: month t runs from first_day[t] to first_day[t + 1] - 1."""

    first_day: np.ndarray  # datetime64[D], one more than there are months

    @property
    def size(self) -> int:
        return len(self.first_day) - 1

    @property
    def days(self) -> np.ndarray:
        return np.diff(self.first_day).astype(np.int64)

    @property
    def calendar_month(self) -> np.ndarray:
        return self.first_day[:-1].astype("datetime64[M]").astype(np.int64) % 12 + 1

    @property
    def last_day(self) -> np.datetime64:
        return self.first_day[-1] - np.timedelta64(1, "D")

    def label(self, month: int) -> str:
        return str(self.first_day[month].astype("datetime64[M]"))

    def random_days(self, rng: np.random.Generator, month: np.ndarray) -> np.ndarray:
        """A uniformly random date inside each given month."""
        offset = (rng.random(len(month)) * self.days[month]).astype(np.int64)
        return self.first_day[month] + offset


@dataclass(frozen=True)
class _Network:
    """Per-dealer attributes the generators draw from (arrays indexed by dealer)."""

    ids: list[str]
    region: np.ndarray
    region_names: list[str]
    tier: np.ndarray
    first_month: np.ndarray  # month of the first order
    orders_per_month: np.ndarray
    units_per_line: np.ndarray
    noise_shape: np.ndarray
    yearly_growth: np.ndarray
    season: np.ndarray  # dealer x calendar month (12): its seasonal factor
    incident_propensity: np.ndarray
    sku_weights: np.ndarray  # dealer x SKU, zero for SKUs the dealer doesn't buy
    frame: pl.DataFrame

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class _Catalogue:
    sku: list[str]
    style: list[str]
    style_of: np.ndarray  # style index per SKU
    line: np.ndarray  # product line index per SKU
    line_names: list[str]
    list_price: np.ndarray
    price_index: np.ndarray  # month x product line: list price changes so far

    @property
    def relative_cheapness(self) -> np.ndarray:
        return np.median(self.list_price) / self.list_price


@dataclass(frozen=True)
class _RegionTrap:
    """One month in which a whole region changes together: nobody in it should alert."""

    region: int
    month: int
    size: float


@dataclass(frozen=True)
class _Scenario:
    """Who gets which event or trap, when, and how strong (arrays indexed by dealer)."""

    kind: np.ndarray  # index into INJECTED_KINDS, -1 = none
    month: np.ndarray
    size: np.ndarray
    category: np.ndarray  # the complaint category of a category_spike (index)
    top_styles: np.ndarray  # region x TOP_STYLES: its best-selling styles (index)
    dip: _RegionTrap  # orders fall (an order_drop trap)
    wave: _RegionTrap  # logistics complaints rise (a category_spike trap)
    stock_up: _RegionTrap  # orders rise ahead of a season (a sellthrough_gap trap)

    def has(self, kind: str) -> np.ndarray:
        return self.kind == INJECTED_KINDS.index(kind)

    def from_start(self, kind: str, months: int) -> np.ndarray:
        """Dealer x month: the event is under way (it lasts)."""
        return self.has(kind)[:, None] & (np.arange(months)[None, :] >= self.month[:, None])

    def in_start_month(self, kind: str, months: int, duration: int = 1) -> np.ndarray:
        """Dealer x month: the month(s) a spike happens."""
        since = np.arange(months)[None, :] - self.month[:, None]
        return self.has(kind)[:, None] & (since >= 0) & (since < duration)


@dataclass(frozen=True)
class _World:
    """Everything the sources are drawn from, handed to each generator in one piece."""

    rng: np.random.Generator
    regime: Regime
    calendar: _Calendar
    catalogue: _Catalogue
    network: _Network
    scenario: _Scenario
    late_report: np.ndarray  # per dealer: the month whose sell-out is reported late, -1 = none


def generate_demo(
    dealers: int = 300,
    months: int = 36,
    seed: int = 7,
    end_month: date | None = None,
    regime: Regime | None = None,
) -> DemoData:
    """The whole demo network in memory; the same arguments give the same frames."""
    if months <= HISTORY_BEFORE_EVENT:
        raise ValueError(f"months must exceed {HISTORY_BEFORE_EVENT} (events need a baseline)")
    regime = regime or Regime()
    end_month = (end_month or last_complete_month()).replace(day=1)
    rng = np.random.default_rng(seed)
    first = np.datetime64(end_month, "M") - (months - 1)
    calendar = _Calendar((first + np.arange(months + 1)).astype("datetime64[D]"))
    catalogue = _catalogue(rng, calendar)
    network = _network(rng, dealers, calendar, catalogue, regime)
    scenario = _scenario(rng, network, calendar, catalogue, regime)
    late_rng = np.random.default_rng([seed, LATE_REPORT_STREAM])
    late = _late_reports(late_rng, network, scenario, calendar, regime)
    world = _World(rng, regime, calendar, catalogue, network, scenario, late)
    demand = _demand(world)
    rhythm = _purchase_rhythm(world, demand)
    orders, sell_in_units, sell_in_value = _orders(world, _order_intensity(world, rhythm))
    return DemoData(
        end_month=end_month,
        dealers=network.frame,
        orders=orders,
        sales=_sales(world, demand, rhythm, sell_in_units, sell_in_value),
        complaints=_complaints(world, rhythm),
        quality=_quality(world, rhythm),
        labels=_labels(world),
    )


def write_demo(
    out_dir: Path,
    dealers: int = 300,
    months: int = 36,
    seed: int = 7,
    end_month: date | None = None,
    regime: Regime | None = None,
) -> dict[str, int]:
    """Generate the demo network and write it to out_dir; returns rows, files and labels."""
    data = generate_demo(dealers, months, seed, end_month, regime)
    files = write_files(data, Path(out_dir))
    kinds = data.labels["kind"]
    return {
        **{source: getattr(data, source).height for source in SOURCE_FRAMES},
        "files": len(files),
        "events": int((kinds == "event").sum()),
        "traps": int((kinds == "trap").sum()),
    }


def write_files(data: DemoData, out_dir: Path) -> list[Path]:
    """Write every source in a different export format; earlier demo files are removed first
    so a smaller or shorter regeneration leaves no stale months behind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for pattern in GENERATED_FILE_PATTERNS:
        for stale in out_dir.glob(pattern):
            stale.unlink()
    written = [out_dir / "dealers.csv"]
    data.dealers.write_csv(written[0], include_bom=True)

    last_month = f"{data.end_month:%Y-%m}"
    by_month = data.orders.with_columns(
        month=pl.col("order_date").dt.strftime("%Y-%m")
    ).partition_by("month", as_dict=True, include_key=False)
    for (month,), lines in sorted(by_month.items()):
        if month == last_month:
            written.append(out_dir / f"orders_{month}.xlsx")
            _write_xlsx(lines, written[-1])
        else:
            written.append(out_dir / f"orders_{month}.csv")
            lines.write_csv(written[-1], float_precision=2)

    by_year = data.sales.with_columns(year=pl.col("month").str.slice(0, 4)).partition_by(
        "year", as_dict=True, include_key=False
    )
    for (year,), rows in sorted(by_year.items()):
        written.append(out_dir / f"sales_{year}.parquet")
        rows.write_parquet(written[-1])

    written.append(out_dir / "complaints.xlsx")
    _write_xlsx(data.complaints, written[-1])

    written.append(out_dir / "quality.csv")
    quality_text = data.quality.rename(QUALITY_HEADERS_ZH).write_csv(date_format="%Y/%m/%d")
    written[-1].write_bytes(quality_text.encode("gb18030"))

    written.append(out_dir / "labels.csv")
    data.labels.write_csv(written[-1])
    return written


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """First sheet, header on row 1, dates as Excel date cells, blanks for nulls.

    openpyxl because xlsxwriter (what polars.write_excel needs) is not a dependency; its
    write-only mode is the fast path, still about 30 µs a cell.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(path.stem)
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(row)
    workbook.save(path)


def _take(values: list[str], index: np.ndarray) -> pl.Series:
    """values[index] as a polars string column (fast for millions of rows)."""
    return pl.Series(values, dtype=pl.String).gather(index)


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype("datetime64[D]").astype(np.int32)).cast(pl.Date)


def _explode(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dealer, month) of each row, for a dealer x month matrix of row counts."""
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    return np.divmod(cell, counts.shape[1])


def _draw_skus(rng: np.random.Generator, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One SKU per entry of `rows`, drawn from that row of the weight matrix.

    Inverse CDF over all rows at once: row r's cumulative weights are shifted to (r, r + 1],
    so one searchsorted serves every dealer; zero weights are never drawn.
    """
    cdf = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    cdf[:, -1] = 1.0
    flat = (cdf + np.arange(len(weights))[:, None]).ravel()
    picks = np.searchsorted(flat, rows + rng.random(len(rows)), side="right")
    return picks - rows * weights.shape[1]


def _distinct_within_order(
    rng: np.random.Generator, weights: np.ndarray, rows: np.ndarray, line_order: np.ndarray
) -> np.ndarray:
    """SKUs drawn per line, redrawn a few rounds where an order already has that SKU: an
    order lists each SKU once, except for the deliberate repeats added afterwards (and
    dealers buying fewer SKUs than the order has lines)."""
    sku = _draw_skus(rng, weights, rows)
    for _ in range(REDRAW_ROUNDS):
        _, first = np.unique(line_order * weights.shape[1] + sku, return_index=True)
        again = np.ones(len(sku), dtype=bool)
        again[first] = False
        sku[again] = _draw_skus(rng, weights, rows[again])
    return sku


def _catalogue(rng: np.random.Generator, calendar: _Calendar) -> _Catalogue:
    skus = int(rng.integers(SKU_COUNT_RANGE[0], SKU_COUNT_RANGE[1] + 1))
    line_count = int(rng.integers(PRODUCT_LINE_COUNT_RANGE[0], PRODUCT_LINE_COUNT_RANGE[1] + 1))
    style_count = int(rng.integers(STYLE_COUNT_RANGE[0], STYLE_COUNT_RANGE[1] + 1))
    line_names = [str(name) for name in rng.choice(PRODUCT_LINES, line_count, replace=False)]
    line = rng.integers(line_count, size=skus)
    style = rng.integers(style_count, size=skus)
    low, high = np.log(LIST_PRICE_RANGE)
    list_price = np.round(np.exp(rng.uniform(low, high, skus))) - 0.1

    changes = max(1, calendar.size // MONTHS_PER_LIST_PRICE_CHANGE)
    step = np.ones((calendar.size, line_count))
    change_months = rng.choice(np.arange(1, calendar.size), changes, replace=False)
    step[change_months] = 1 + rng.uniform(*LIST_PRICE_CHANGE_RANGE, (changes, line_count))
    return _Catalogue(
        sku=[f"{line_names[line[i]][:3].upper()}{i + 1:03d}" for i in range(skus)],
        style=[STYLE_NAMES[s] for s in style],
        style_of=style,
        line=line,
        line_names=line_names,
        list_price=list_price,
        price_index=np.cumprod(step, axis=0),
    )


def _person_names() -> list[str]:
    return [
        f"{first} {last}"
        for firsts, lasts in (
            (CHINESE_FAMILY_NAMES, CHINESE_GIVEN_NAMES),  # family name first
            (SPANISH_FIRST_NAMES, SPANISH_SURNAMES),
            (ENGLISH_FIRST_NAMES, ENGLISH_SURNAMES),
        )
        for first in firsts
        for last in lasts
    ]


def _company_names() -> list[str]:
    chinese = [
        f"{city}{trade}{suffix}"
        for city in CHINESE_CITIES
        for trade in CHINESE_TRADE_NAMES
        for suffix in CHINESE_COMPANY_SUFFIXES
    ]
    spanish = [
        f"{prefix} {surname} {suffix}"
        for prefix in SPANISH_COMPANY_PREFIXES
        for surname in SPANISH_SURNAMES
        for suffix in SPANISH_COMPANY_SUFFIXES
    ]
    english = [
        f"{name} {trade} {suffix}"
        for name in ENGLISH_TRADE_NAMES
        for trade in ENGLISH_TRADES
        for suffix in ENGLISH_COMPANY_SUFFIXES
    ]
    return chinese + spanish + english


def _unique_draw(rng: np.random.Generator, pool: list[str], count: int) -> list[str]:
    """count names from the pool in random order; beyond the pool, repeats get a number."""
    order = rng.permutation(len(pool))
    return [
        pool[order[i % len(pool)]] + (f" {i // len(pool) + 1}" if i >= len(pool) else "")
        for i in range(count)
    ]


def _email(name: str) -> str:
    """`María García` -> `maria.garcia@example.com` (accents folded, as mail systems do)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".") + "@example.com"


def _network(
    rng: np.random.Generator,
    dealers: int,
    calendar: _Calendar,
    catalogue: _Catalogue,
    regime: Regime,
) -> _Network:
    months = calendar.size
    region_count = int(rng.integers(regime.region_count[0], regime.region_count[1] + 1))
    region_shares = rng.dirichlet(np.full(region_count, REGION_SIZE_CONCENTRATION))
    region = rng.choice(region_count, dealers, p=region_shares)
    tier = rng.choice(len(TIERS), dealers, p=regime.tier_shares)
    size = np.exp(rng.normal(0.0, regime.dealer_size_sigma, dealers))
    orders_per_month = np.asarray(ORDERS_PER_MONTH_BY_TIER)[tier] * size * regime.order_scale
    units_per_line = np.asarray(UNITS_PER_LINE_BY_TIER)[tier] * np.exp(
        rng.normal(0.0, UNITS_PER_LINE_SIGMA, dealers)
    )

    first_month = np.zeros(dealers, dtype=np.int64)
    late = rng.choice(dealers, round(LATE_START_SHARE * dealers), replace=False)
    first_month[late] = rng.integers(months // 4, 3 * months // 4 + 1, len(late))
    # Late starters sign up the month before their first order; the others years before.
    active_since = calendar.first_day[0] - rng.integers(
        31, ACTIVE_SINCE_MAX_YEARS * 365, dealers
    ).astype("timedelta64[D]")
    active_since[late] = calendar.random_days(rng, first_month[late] - 1)

    profile = rng.choice(len(TREND_PROFILES), dealers, p=[p for p, _ in TREND_PROFILES])
    growth_low, growth_high = np.asarray([bounds for _, bounds in TREND_PROFILES]).T
    yearly_growth = rng.uniform(growth_low[profile], growth_high[profile])
    amplitude = rng.uniform(*regime.season_amplitude, region_count)[region]
    season = (1 + amplitude[:, None] * (np.asarray(SEASONAL_SHAPE)[None, :] - 1)) * np.exp(
        rng.normal(0.0, regime.dealer_season_sigma, (dealers, 12))
    )

    manager, manager_names = _managers(rng, region, region_count)
    ids = [f"D{i:05d}" for i in range(1, dealers + 1)]
    region_names = list(REGION_NAMES[:region_count])
    frame = pl.DataFrame(
        {
            "dealer_id": ids,
            "dealer_name": _unique_draw(rng, _company_names(), dealers),
            "region": _take(region_names, region),
            "tier": _take(list(TIERS), tier),
            "manager_name": _take(manager_names, manager),
            "manager_email": _take([_email(n) for n in manager_names], manager),
            "active_since": _dates(active_since),
        }
    )
    return _Network(
        ids=ids,
        region=region,
        region_names=region_names,
        tier=tier,
        first_month=first_month,
        orders_per_month=orders_per_month,
        units_per_line=units_per_line,
        noise_shape=rng.uniform(*regime.noise_shape, dealers),
        yearly_growth=yearly_growth,
        season=np.clip(season, 0.05, None),
        incident_propensity=np.exp(rng.normal(0.0, INCIDENT_PROPENSITY_SIGMA, dealers)),
        sku_weights=_sku_weights(rng, tier, region, region_count, catalogue),
        frame=frame,
    )


def _managers(
    rng: np.random.Generator, region: np.ndarray, region_count: int
) -> tuple[np.ndarray, list[str]]:
    """Each region's dealers split among ~DEALERS_PER_MANAGER-sized books; a manager works
    in one region. Returns each dealer's manager and the managers' names."""
    manager = np.zeros(len(region), dtype=np.int64)
    managers_so_far = 0
    for r in range(region_count):
        members = np.flatnonzero(region == r)
        count = max(1, round(len(members) / DEALERS_PER_MANAGER))
        manager[members] = managers_so_far + rng.integers(count, size=len(members))
        managers_so_far += count
    return manager, _unique_draw(rng, _person_names(), managers_so_far)


def _sku_weights(
    rng: np.random.Generator,
    tier: np.ndarray,
    region: np.ndarray,
    region_count: int,
    catalogue: _Catalogue,
) -> np.ndarray:
    """Dealer x SKU purchase weights: a random assortment (bigger for higher tiers) with
    dealer-specific preferences on top of SKU popularity (which favours cheap SKUs) and of
    its region's taste in styles."""
    share_low, share_high = np.asarray(CATALOGUE_SHARE_BY_TIER).T
    dealers, skus = len(tier), len(catalogue.sku)
    assortment_size = np.maximum(
        MIN_SKUS_PER_DEALER, np.round(rng.uniform(share_low[tier], share_high[tier]) * skus)
    )
    random_rank = rng.random((dealers, skus)).argsort(axis=1).argsort(axis=1)
    popularity = (
        np.exp(rng.normal(0.0, SKU_POPULARITY_SIGMA, skus))
        * catalogue.relative_cheapness**CHEAP_SKU_PREFERENCE
    )
    style_count = int(catalogue.style_of.max()) + 1
    taste = np.exp(rng.normal(0.0, REGION_STYLE_AFFINITY_SIGMA, (region_count, style_count)))
    preference = rng.gamma(1.0, 1.0, (dealers, skus)) * taste[region][:, catalogue.style_of]
    return (random_rank < assortment_size[:, None]) * preference * popularity


def _expected_units(network: _Network, catalogue: _Catalogue) -> np.ndarray:
    """Dealer x SKU expected units per order (weights x quantities), up to a constant."""
    quantity = catalogue.relative_cheapness**QUANTITY_PRICE_ELASTICITY
    return network.sku_weights * quantity[None, :] * network.units_per_line[:, None]


def _top_styles(network: _Network, catalogue: _Catalogue) -> np.ndarray:
    """Region x TOP_STYLES: each region's best-selling styles by expected units."""
    style_count = int(catalogue.style_of.max()) + 1
    units = _expected_units(network, catalogue) * network.orders_per_month[:, None]
    by_style = np.zeros((len(network.region_names), style_count))
    np.add.at(by_style, (network.region[:, None], catalogue.style_of[None, :]), units)
    return np.argsort(-by_style, axis=1)[:, :TOP_STYLES]


def _in_top_styles(network: _Network, catalogue: _Catalogue, top: np.ndarray) -> np.ndarray:
    """Dealer x SKU: the SKU is of one of the dealer's region's best-selling styles."""
    return (catalogue.style_of[None, :] == top[network.region][:, :, None]).any(axis=1)


def _top_style_share(network: _Network, catalogue: _Catalogue, top: np.ndarray) -> np.ndarray:
    """Per dealer, the share of its expected units in its region's best-selling styles."""
    units = _expected_units(network, catalogue)
    return (units * _in_top_styles(network, catalogue, top)).sum(axis=1) / units.sum(axis=1)


def _scenario(
    rng: np.random.Generator,
    network: _Network,
    calendar: _Calendar,
    catalogue: _Catalogue,
    regime: Regime,
) -> _Scenario:
    """Each event kind and cheaper_mix go to a share of the dealers with enough history and
    volume to show one; one of each starts in the last month. Three regions change together for
    one month each (not the last): orders dip, logistics complaints rise, orders stock up."""
    months, dealers = calendar.size, network.size
    earliest = np.maximum(HISTORY_BEFORE_EVENT, network.first_month + HISTORY_BEFORE_EVENT)
    base = (earliest <= months - 1) & (network.orders_per_month >= MIN_EVENT_ORDERS_PER_MONTH)
    complaints_a_month = (
        network.orders_per_month * regime.complaints_per_order * network.incident_propensity
    )
    top_styles = _top_styles(network, catalogue)
    only_for = {
        "service_overdue": complaints_a_month >= MIN_EVENT_COMPLAINTS_PER_MONTH,
        "style_shift": _top_style_share(network, catalogue, top_styles) >= MIN_TOP_STYLE_SHARE,
    }
    kind = np.full(dealers, -1)
    month = np.zeros(dealers, dtype=np.int64)
    size = np.zeros(dealers)
    # The pickiest kinds choose first, so the others still find dealers.
    for name in sorted(INJECTED_KINDS, key=lambda k: k not in only_for):
        k = INJECTED_KINDS.index(name)
        pool = np.flatnonzero(base & (kind < 0) & only_for.get(name, True))
        if len(pool) < MIN_DEALERS_PER_KIND:
            raise ValueError(
                f"{dealers} dealers are too few: {name} needs {MIN_DEALERS_PER_KIND} dealers "
                f"with {HISTORY_BEFORE_EVENT} months of history and {MIN_EVENT_ORDERS_PER_MONTH} "
                f"orders a month, there are {len(pool)} left"
            )
        share = round(rng.uniform(*regime.event_share) * base.sum())
        wanted = min(len(pool), max(MIN_DEALERS_PER_KIND, share))
        members = rng.choice(pool, wanted, replace=False)
        kind[members] = k
        month[members] = rng.integers(earliest[members], months)
        month[members[:LAST_MONTH_DEALERS_PER_KIND]] = months - 1
        size[members] = _event_size(name, rng.uniform(*INJECTED_SIZE_RANGES[name], wanted), regime)
    dormant = rng.random(dealers) < DORMANT_SHARE
    size[(kind == INJECTED_KINDS.index("order_drop")) & dormant] = 1.0
    category = rng.choice([COMPLAINT_CATEGORIES.index(c) for c in SPIKING_CATEGORIES], dealers)
    return _Scenario(
        kind=kind,
        month=month,
        size=size,
        category=category,
        top_styles=top_styles,
        dip=_region_trap(rng, network, kind, months, regime.region_dip),
        wave=_region_trap(rng, network, kind, months, LOGISTICS_WAVE_RANGE),
        stock_up=_region_trap(rng, network, kind, months, STOCK_UP_RANGE),
    )


def _event_size(kind: str, drawn: np.ndarray, regime: Regime) -> np.ndarray:
    """The drawn effect scaled by the regime's event strength: a lost share, a multiple or a
    number of extra incidents moves towards 'no change' when the strength is below 1."""
    strength = regime.event_strength
    if kind in LOST_SHARE_KINDS:
        return np.minimum(drawn * strength, MAX_LOST_SHARE)
    if kind == "quality_spike":
        return np.maximum(1.0, np.round(drawn * strength))
    if kind == CHEAPER_MIX:
        return drawn
    return 1 + (drawn - 1) * strength if kind.endswith("spike") else drawn * strength


def _region_trap(
    rng: np.random.Generator,
    network: _Network,
    kind: np.ndarray,
    months: int,
    size_range: tuple[float, float],
) -> _RegionTrap:
    """A month (not the last) and a region drawn in proportion to the dealers it would make
    a trap of, so the trap never goes unlabelled."""
    month = int(rng.integers(HISTORY_BEFORE_EVENT - 1, months - 1))
    trapped = np.bincount(
        network.region[_trapped(network, kind, month)], minlength=len(network.region_names)
    )
    region = int(rng.choice(len(trapped), p=trapped / trapped.sum()))
    return _RegionTrap(region, month, float(rng.uniform(*size_range)))


def _trapped(network: _Network, kind: np.ndarray, month: int) -> np.ndarray:
    """Dealers a region-wide change makes a trap of: no label of their own, history before
    the month, volume to show it (the change hits the small ones too, unlabelled)."""
    return (
        (kind < 0)
        & (network.first_month < month)
        & (network.orders_per_month >= MIN_EVENT_ORDERS_PER_MONTH)
    )


def _late_reports(
    rng: np.random.Generator,
    network: _Network,
    scenario: _Scenario,
    calendar: _Calendar,
    regime: Regime,
) -> np.ndarray:
    """Per dealer, the month whose sell-out report arrives with the next month's (-1 = none):
    a dealer without an event of its own, with the history a baseline needs before it."""
    months = calendar.size
    earliest = network.first_month + HISTORY_BEFORE_EVENT
    able = np.flatnonzero((scenario.kind < 0) & (earliest < months - 1))
    late = np.full(network.size, -1)
    chosen = rng.choice(able, round(regime.late_report_share * len(able)), replace=False)
    late[chosen] = rng.integers(earliest[chosen], months - 1)
    return late


def _in_region_month(network: _Network, trap: _RegionTrap, months: int) -> np.ndarray:
    """Dealer x month: the trap's region in the trap's month."""
    return (network.region == trap.region)[:, None] & (np.arange(months) == trap.month)[None, :]


def _demand(world: _World) -> np.ndarray:
    """Dealer x month end-customer demand for our products, in orders' worth: size x its
    season x trend, 0 before the dealer starts. Smooth: customers buy steadily; it is the
    dealer's purchasing that comes in lumps (see `_purchase_rhythm`)."""
    network, calendar = world.network, world.calendar
    months = calendar.size
    years_from_middle = (np.arange(months) - (months - 1) / 2) / 12
    return (
        network.orders_per_month[:, None]
        * network.season[:, calendar.calendar_month - 1]
        * np.exp(network.yearly_growth[:, None] * years_from_middle[None, :])
        * (np.arange(months)[None, :] >= network.first_month[:, None])
    )


def _order_drop_factor(world: _World) -> np.ndarray:
    """Dealer x month share of its buying left after an order_drop event (1 = none)."""
    drop = world.scenario.from_start("order_drop", world.calendar.size)
    return 1 - np.where(drop, world.scenario.size[:, None], 0.0)


def _purchase_rhythm(world: _World, demand: np.ndarray) -> np.ndarray:
    """Dealer x month expected orders to meet demand: demand x gamma noise (purchasing is
    lumpy), with the order_drop events and the region dip applied. Complaints and incidents
    scale with it, and so does a lumpy sell-out a month later."""
    rng, network, scenario = world.rng, world.network, world.scenario
    shape = network.noise_shape[:, None]
    rhythm = demand * rng.gamma(shape, 1 / shape, demand.shape) * _order_drop_factor(world)
    rhythm[_in_region_month(network, scenario.dip, world.calendar.size)] *= 1 - scenario.dip.size
    return rhythm


def _order_intensity(world: _World, rhythm: np.ndarray) -> np.ndarray:
    """Dealer x month expected orders: the rhythm plus purchases that do not sell through, a
    sellthrough_gap dealer's stuffed channel and a region's stock-up ahead of a season."""
    network, scenario, months = world.network, world.scenario, world.calendar.size
    stocked = _in_region_month(network, scenario.stock_up, months) * scenario.stock_up.size
    return rhythm * _stock_gap(world) * (1 + stocked)


def _stock_gap(world: _World) -> np.ndarray:
    """Dealer x month factor of a sellthrough_gap dealer's sell-in, from its event on (1
    elsewhere): sell-in rises by the square root of the gap and sell-out falls by as much, so
    sell-in / sell-out grows by the event size."""
    gap = world.scenario.from_start("sellthrough_gap", world.calendar.size)
    return np.where(gap, np.sqrt(1 + world.scenario.size)[:, None], 1.0)


@dataclass(frozen=True)
class _Lines:
    """Order lines as parallel arrays (an order's lines adjacent, orders by dealer and month),
    plus each order's date, indexed by `order`."""

    order: np.ndarray
    line_no: np.ndarray
    dealer: np.ndarray
    month: np.ndarray
    sku: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    order_date: np.ndarray

    def keep(self, kept: np.ndarray) -> _Lines:
        """The kept lines; orders left without lines disappear."""
        orders_kept, order = np.unique(self.order[kept], return_inverse=True)
        return _Lines(
            order=order,
            line_no=self.line_no[kept],
            dealer=self.dealer[kept],
            month=self.month[kept],
            sku=self.sku[kept],
            quantity=self.quantity[kept],
            unit_price=self.unit_price[kept],
            order_date=self.order_date[orders_kept],
        )


def _orders(world: _World, intensity: np.ndarray) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Order lines plus credit-note returns; also sell-in units and value per dealer x month x
    product line (what the dealer then sells on)."""
    lines = _order_lines(world, intensity)
    lines = lines.keep(_within_order_drop_cap(world.scenario, lines, *intensity.shape))
    catalogue = world.catalogue
    cell = (lines.dealer * intensity.shape[1] + lines.month) * len(catalogue.line_names)
    cell += catalogue.line[lines.sku]
    shape = (*intensity.shape, len(catalogue.line_names))
    sell_in_units = np.bincount(cell, lines.quantity, np.prod(shape)).reshape(shape)
    sell_in_value = np.bincount(cell, lines.quantity * lines.unit_price, np.prod(shape))
    return _orders_frame(world, lines), sell_in_units, sell_in_value.reshape(shape)


def _order_lines(world: _World, intensity: np.ndarray) -> _Lines:
    """Poisson orders per dealer-month, 1-5 lines each, SKUs from the dealer's assortment,
    overdispersed quantities, net prices; cheaper_mix and price_drop applied."""
    rng, network, catalogue = world.rng, world.network, world.catalogue
    scenario, calendar = world.scenario, world.calendar
    dealers, months = intensity.shape
    order_dealer, order_month = _explode(rng.poisson(intensity))
    order_date = calendar.random_days(rng, order_month)
    lines_per_order = 1 + rng.choice(
        len(LINES_PER_ORDER_PROBABILITIES), len(order_dealer), p=LINES_PER_ORDER_PROBABILITIES
    )
    order = np.repeat(np.arange(len(order_dealer)), lines_per_order)
    order_first_line = np.cumsum(lines_per_order) - lines_per_order
    line_no = np.arange(len(order)) - order_first_line[order] + 1
    dealer, month = order_dealer[order], order_month[order]

    # From their event on, cheaper_mix and style_shift dealers draw from a second set of
    # weights: tilted to cheap SKUs, or away from their region's best-selling styles.
    tilt_power = np.zeros(dealers)
    mixing = scenario.has(CHEAPER_MIX)
    tilt_power[mixing] = _cheaper_mix_tilt(
        network.sku_weights[mixing], catalogue.relative_cheapness, scenario.size[mixing]
    )
    tilt = catalogue.relative_cheapness[None, :] ** tilt_power[:, None]
    weights = np.vstack([network.sku_weights, network.sku_weights * tilt * _style_cut(world)])
    changed = scenario.from_start(CHEAPER_MIX, months) | scenario.from_start("style_shift", months)
    weight_row = dealer + dealers * changed[dealer, month]
    sku = _distinct_within_order(rng, weights, weight_row, order)
    repeated = np.flatnonzero((line_no > 1) & (rng.random(len(sku)) < REPEATED_SKU_SHARE))
    sku[repeated] = sku[repeated - 1]

    mean_quantity = network.units_per_line[dealer] * (
        catalogue.relative_cheapness[sku] ** QUANTITY_PRICE_ELASTICITY
    )
    quantity = 1 + rng.poisson(rng.gamma(2.0, np.maximum(mean_quantity - 1, 0.1) / 2))
    price_cut = np.where(scenario.from_start("price_drop", months), scenario.size[:, None], 0.0)
    unit_price = np.round(
        catalogue.list_price[sku]
        * catalogue.price_index[month, catalogue.line[sku]]
        * (1 - np.asarray(TIER_DISCOUNT)[network.tier[dealer]])
        * rng.uniform(1 - PRICE_NOISE, 1 + PRICE_NOISE, len(sku))
        * (1 - price_cut[dealer, month]),
        2,
    )
    return _Lines(order, line_no, dealer, month, sku, quantity, unit_price, order_date)


def _orders_frame(world: _World, lines: _Lines) -> pl.DataFrame:
    """The orders source: the lines and their credit notes, in order-date order."""
    order_id, order_place = _order_ids(lines, world.calendar)
    returned, return_date, returned_quantity = _returns(world.rng, lines, world.calendar)
    credited_order = lines.order[returned]
    source_line = np.concatenate([np.arange(len(lines.sku)), returned])  # what a row copies
    is_credit = np.arange(len(source_line)) >= len(lines.sku)
    row_date = np.concatenate([lines.order_date[lines.order], return_date])
    row_quantity = np.concatenate([lines.quantity, returned_quantity])
    row_line_no = np.concatenate(
        [
            lines.line_no,
            np.arange(len(returned)) - np.searchsorted(credited_order, credited_order) + 1,
        ]
    )
    row_order = lines.order[source_line]
    by_date = np.lexsort((row_line_no, is_credit, order_place[row_order], row_date))
    source_line, row_order = source_line[by_date], row_order[by_date]
    sku = lines.sku[source_line]
    catalogue = world.catalogue
    return pl.DataFrame(
        {
            "order_id": pl.select(
                pl.concat_str(_take(["", "C"], is_credit[by_date]), order_id.gather(row_order))
            ).to_series(),
            "line_no": row_line_no[by_date],
            "sku": _take(catalogue.sku, sku),
            "dealer_id": _take(world.network.ids, lines.dealer[source_line]),
            "order_date": _dates(row_date[by_date]),
            "quantity": row_quantity[by_date],
            "unit_price": lines.unit_price[source_line],
            "style": _take(catalogue.style, sku),
        }
    )


def _style_cut(world: _World) -> np.ndarray:
    """Dealer x SKU weight multipliers that lower a style_shift dealer's expected share of
    units in its region's best-selling styles by its event size (1 elsewhere): with T and O
    its expected units in and outside them, the multiplier m on T solves
    m T / (m T + O) = (1 - size) T / (T + O)."""
    network, catalogue, scenario = world.network, world.catalogue, world.scenario
    top = _in_top_styles(network, catalogue, scenario.top_styles)
    units = _expected_units(network, catalogue)
    inside, outside = (units * top).sum(axis=1), (units * ~top).sum(axis=1)
    kept = 1 - scenario.size
    multiplier = kept * outside / np.maximum((1 - kept) * inside + outside, 1e-12)
    shifting = scenario.has("style_shift")[:, None] & top
    return np.where(shifting, multiplier[:, None], 1.0)


def _cheaper_mix_tilt(
    weights: np.ndarray, cheapness: np.ndarray, price_drop: np.ndarray
) -> np.ndarray:
    """Per dealer, the power t such that weights x cheapness ** t lower the expected price
    per unit (quantities included) by price_drop: found by bisection, all dealers at once."""
    volume = weights * cheapness**QUANTITY_PRICE_ELASTICITY

    def price_per_unit(tilt: np.ndarray) -> np.ndarray:
        tilted = volume * cheapness ** tilt[:, None]
        return (tilted / cheapness).sum(axis=1) / tilted.sum(axis=1)

    target = (1 - price_drop) * price_per_unit(np.zeros(len(weights)))
    low, high = np.zeros(len(weights)), np.full(len(weights), MAX_CHEAPER_MIX_TILT)
    for _ in range(TILT_BISECTION_STEPS):
        middle = (low + high) / 2
        too_dear = price_per_unit(middle) > target
        low, high = np.where(too_dear, middle, low), np.where(too_dear, high, middle)
    return high


def _within_order_drop_cap(
    scenario: _Scenario, lines: _Lines, dealers: int, months: int
) -> np.ndarray:
    """Lines to keep so that, from an order_drop event on, a month's units never exceed
    (1 - drop) x the median of the BASELINE_MONTHS before the event: noise alone must not
    undo an injected drop."""
    cell = lines.dealer * months + lines.month  # sorted: lines come by dealer and month
    units = np.bincount(cell, lines.quantity, dealers * months).reshape(dealers, months)
    dropping = np.flatnonzero(scenario.has("order_drop"))
    start = scenario.month[dropping]
    before = units[dropping[:, None], start[:, None] + np.arange(-BASELINE_MONTHS, 0)]
    cap_level = np.full(dealers, np.inf)
    cap_level[dropping] = (1 - scenario.size[dropping]) * np.median(before, axis=1)
    cap = np.where(scenario.from_start("order_drop", months), cap_level[:, None], np.inf)
    running = np.cumsum(lines.quantity)
    first_of_cell = np.searchsorted(cell, cell)
    units_so_far = running - running[first_of_cell] + lines.quantity[first_of_cell]
    return units_so_far <= cap.ravel()[cell]


def _order_ids(lines: _Lines, calendar: _Calendar) -> tuple[pl.Series, np.ndarray]:
    """`SO` + YYYYMM + a sequence that follows the order date, as an ERP numbers orders; also
    each order's place in that numbering, a cheaper sort key than the id text."""
    first_line = np.searchsorted(lines.order, np.arange(len(lines.order_date)))
    dealer, month = lines.dealer[first_line], lines.month[first_line]
    by_date = np.lexsort((np.arange(len(dealer)), dealer, lines.order_date))
    place = np.empty(len(dealer), dtype=np.int64)
    place[by_date] = np.arange(len(dealer))
    sequence = place - np.searchsorted(month[by_date], month) + 1
    digits = max(MIN_ORDER_SEQUENCE_DIGITS, len(str(sequence.max(initial=0))))
    compact_months = [calendar.label(m).replace("-", "") for m in range(calendar.size)]
    ids = pl.select(
        pl.concat_str(
            pl.lit("SO"),
            _take(compact_months, month),
            pl.Series(sequence).cast(pl.String).str.zfill(digits),
        )
    ).to_series()
    return ids, place


def _returns(
    rng: np.random.Generator, lines: _Lines, calendar: _Calendar
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lines partly sent back some days after their order, as (line, return date, negative
    quantity); a return not yet due by the end of the data isn't there."""
    delay = rng.integers(RETURN_DELAY_DAYS[0], RETURN_DELAY_DAYS[1] + 1, len(lines.order_date))
    return_date = (lines.order_date + delay.astype("timedelta64[D]"))[lines.order]
    returned = np.flatnonzero(
        (rng.random(len(lines.order)) < RETURN_SHARE) & (return_date <= calendar.last_day)
    )
    returned_quantity = -rng.integers(1, lines.quantity[returned] + 1)
    return returned, return_date[returned], returned_quantity


def _sales(
    world: _World,
    demand: np.ndarray,
    rhythm: np.ndarray,
    sell_in_units: np.ndarray,
    sell_in_value: np.ndarray,
) -> pl.DataFrame:
    """Sell-out per dealer, month and product line the dealer carries, in each line's units
    (the dealer's usual units per order), with noise, at a retail markup. It follows steady
    demand or, in a lumpy regime, the dealer's purchasing rhythm a month later. It falls a
    month after an order_drop (the dealer now sells someone else's products) and from a
    sales_drop event on (orders carry on: stock piles up); stuffed or stocked-up purchases
    do not sell."""
    rng, network, catalogue = world.rng, world.network, world.catalogue
    scenario, calendar, regime = world.scenario, world.calendar, world.regime
    dealers, months, lines = sell_in_units.shape
    lag = SELL_OUT_LAG_MONTHS
    if regime.lumpy_sell_out:
        pace = np.concatenate([rhythm[:, :lag], rhythm[:, :-lag]], axis=1)
    else:
        switched = np.concatenate(
            [np.ones((dealers, lag)), _order_drop_factor(world)[:, :-lag]], axis=1
        )
        pace = demand * switched
    sells_through = ~(
        scenario.from_start("sellthrough_gap", months)
        | _in_region_month(network, scenario.stock_up, months)
    )
    bought = (sell_in_units * sells_through[:, :, None]).sum(axis=1)  # dealer x line
    units_per_order = bought / np.maximum((rhythm * sells_through).sum(axis=1), 1e-9)[:, None]
    all_bought = sell_in_units.sum(axis=1)
    net_price = np.divide(
        sell_in_value.sum(axis=1),
        all_bought,
        out=np.zeros_like(all_bought, dtype=float),
        where=all_bought > 0,
    )
    sales_drop = np.where(scenario.from_start("sales_drop", months), scenario.size[:, None], 0.0)
    expected_units = (
        (pace * (1 - sales_drop) / _stock_gap(world))[:, :, None]
        * units_per_order[:, None, :]
        * rng.uniform(*SELL_THROUGH_RANGE, dealers)[:, None, None]
        * np.exp(rng.normal(0.0, regime.sell_out_noise, (dealers, months, lines)))
    )
    units = rng.poisson(expected_units)
    revenue = np.round(
        units
        * net_price[:, None, :]
        * rng.uniform(*RETAIL_MARKUP_RANGE, dealers)[:, None, None]
        * rng.uniform(1 - RETAIL_PRICE_NOISE, 1 + RETAIL_PRICE_NOISE, units.shape),
        2,
    )
    late = np.flatnonzero(world.late_report >= 0)
    when = world.late_report[late]
    for reported in (units, revenue):  # the late month's sell-out arrives with the next one's
        reported[late, when + 1] += reported[late, when]
        reported[late, when] = 0
    carried = np.zeros((dealers, lines), dtype=bool)
    buyer, sku = np.nonzero(network.sku_weights)
    carried[buyer, catalogue.line[sku]] = True
    active = np.arange(months)[:, None] >= network.first_month[None, :]
    month, dealer, line = np.nonzero(active[:, :, None] & carried[None, :, :])
    return pl.DataFrame(
        {
            "dealer_id": _take(network.ids, dealer),
            "month": _take([calendar.label(m) for m in range(months)], month),
            "product_line": _take(catalogue.line_names, line),
            "revenue": revenue[dealer, month, line],
            "units": units[dealer, month, line],
        }
    )


def _complaints(world: _World, rhythm: np.ndarray) -> pl.DataFrame:
    """Poisson in the dealer's activity with month-to-month noise. A complaint_spike adds
    (factor - 1) x the month's normal rate, at least MIN_EXTRA_COMPLAINTS, mostly of one
    category; a category_spike adds complaints of one category for two months; the logistics
    wave adds logistics complaints across one region. A service_overdue dealer leaves most
    cases opened from the month before its event open for months."""
    rng, network, scenario = world.rng, world.network, world.scenario
    calendar, regime = world.calendar, world.regime
    months = calendar.size
    shape = regime.complaint_noise_shape
    rate = (
        rhythm
        * regime.complaints_per_order
        * network.incident_propensity[:, None]
        * rng.gamma(shape, 1 / shape, rhythm.shape)
    )
    share = np.asarray(COMPLAINT_CATEGORY_WEIGHTS)
    spike = scenario.in_start_month("complaint_spike", months)
    in_category_spike = scenario.in_start_month("category_spike", months, CATEGORY_SPIKE_MONTHS)
    spike_rate = np.where(spike, (scenario.size[:, None] - 1) * rate, 0.0)
    category_rate = np.where(
        in_category_spike,
        (scenario.size[:, None] - 1) * rate * share[scenario.category][:, None],
        0.0,
    )
    logistics = COMPLAINT_CATEGORIES.index("logistics")
    in_wave = _in_region_month(network, scenario.wave, months)
    counts = (
        rng.poisson(rate),
        np.where(spike, np.maximum(MIN_EXTRA_COMPLAINTS, rng.poisson(spike_rate)), 0),
        np.where(in_category_spike, np.maximum(MIN_EXTRA_CATEGORY_COMPLAINTS, rng.poisson(category_rate)), 0),
        rng.poisson(np.where(in_wave, (scenario.wave.size - 1) * rate * share[logistics], 0.0)),
    )  # fmt: skip
    spiked, category_spiked, wave = range(1, len(counts))  # 0: the usual complaints
    cells = [_explode(c) for c in counts]
    dealer = np.concatenate([d for d, _ in cells])
    month = np.concatenate([m for _, m in cells])
    cause = np.repeat(np.arange(len(counts)), [len(d) for d, _ in cells])
    category = rng.choice(len(COMPLAINT_CATEGORIES), len(dealer), p=share)
    same_cause = (cause == spiked) & (rng.random(len(dealer)) < SPIKE_SAME_CAUSE_SHARE)
    dominant = rng.integers(len(COMPLAINT_CATEGORIES), size=network.size)
    category = np.where(same_cause, dominant[dealer], category)
    category = np.where(cause == category_spiked, scenario.category[dealer], category)
    category = np.where(cause == wave, logistics, category)

    opened_on = calendar.random_days(rng, month)
    days_to_close = np.clip(
        np.round(rng.exponential(regime.mean_days_to_close, len(dealer))), 1, MAX_DAYS_TO_CLOSE
    )
    neglected = (
        scenario.has("service_overdue")[dealer]
        & (month >= scenario.month[dealer] - 1)
        & (rng.random(len(dealer)) < scenario.size[dealer])
    )
    days_to_close[neglected] = rng.integers(*NEGLECTED_DAYS_TO_CLOSE, neglected.sum())
    closed_on = opened_on + days_to_close.astype("timedelta64[D]")
    never_closed = rng.random(len(dealer)) < regime.open_complaint_share
    is_open = never_closed | (closed_on > calendar.last_day)
    frame = pl.DataFrame(
        {
            "dealer_id": _take(network.ids, dealer),
            "opened_on": _dates(opened_on),
            "category": _take(list(COMPLAINT_CATEGORIES), category),
            "severity": _take(
                list(SEVERITIES), rng.choice(len(SEVERITIES), len(dealer), p=SEVERITY_WEIGHTS)
            ),
            "closed_on": _dates(closed_on).scatter(np.flatnonzero(is_open), None),
        }
    )
    return _numbered(frame, "opened_on", "complaint_id", "CP")


def _quality(world: _World, rhythm: np.ndarray) -> pl.DataFrame:
    """Rare Poisson incidents on SKUs the dealer buys; a quality_spike adds 5-15 incidents
    within a week, mostly one SKU with one defect."""
    rng, network, catalogue = world.rng, world.network, world.catalogue
    scenario, calendar = world.scenario, world.calendar
    months = calendar.size
    rate = rhythm * world.regime.quality_incidents_per_order * network.incident_propensity[:, None]
    extra = np.where(
        scenario.in_start_month("quality_spike", months), np.round(scenario.size)[:, None], 0
    ).astype(np.int64)
    usual_dealer, usual_month = _explode(rng.poisson(rate))
    spike_dealer, spike_month = _explode(extra)
    dealer = np.concatenate([usual_dealer, spike_dealer])
    sku = _draw_skus(rng, network.sku_weights, dealer)
    defect = rng.integers(len(DEFECT_TYPES), size=len(dealer))
    units_affected = rng.geometric(UNITS_AFFECTED_P, len(dealer))

    spiking = slice(len(usual_dealer), None)
    same_cause = rng.random(len(spike_dealer)) < SPIKE_SAME_CAUSE_SHARE
    batch_sku = _draw_skus(rng, network.sku_weights, np.arange(network.size))
    batch_defect = rng.integers(len(DEFECT_TYPES), size=network.size)
    sku[spiking] = np.where(same_cause, batch_sku[spike_dealer], sku[spiking])
    defect[spiking] = np.where(same_cause, batch_defect[spike_dealer], defect[spiking])
    units_affected[spiking] = rng.geometric(SPIKE_UNITS_AFFECTED_P, len(spike_dealer))
    cluster_start = calendar.random_days(rng, scenario.month)[spike_dealer]
    spike_day = np.minimum(
        cluster_start + rng.integers(0, SPIKE_CLUSTER_DAYS, len(spike_dealer)),
        calendar.first_day[spike_month + 1] - np.timedelta64(1, "D"),
    )
    reported_on = np.concatenate([calendar.random_days(rng, usual_month), spike_day])
    frame = pl.DataFrame(
        {
            "dealer_id": _take(network.ids, dealer),
            "reported_on": _dates(reported_on),
            "sku": _take(catalogue.sku, sku),
            "defect_type": _take(list(DEFECT_TYPES), defect),
            "units_affected": units_affected,
        }
    )
    return _numbered(frame, "reported_on", "incident_id", "QI")


def _numbered(frame: pl.DataFrame, date_column: str, id_column: str, prefix: str) -> pl.DataFrame:
    """Sort by date and dealer and number the rows `<prefix>0000001`, id column first."""
    ordered = frame.with_row_index("drawn").sort(date_column, "dealer_id", "drawn")
    ids = pl.concat_str(
        pl.lit(prefix), (pl.int_range(1, pl.len() + 1)).cast(pl.String).str.zfill(7)
    )
    return ordered.select(ids.alias(id_column), pl.exclude("drawn"))


def _labels(world: _World) -> pl.DataFrame:
    """The answer key: one row per injected event or trap, and one per dealer a region-wide
    change hits (skipping dealers with their own label or no history before it)."""
    network, scenario, calendar = world.network, world.scenario, world.calendar
    rows = []
    for dealer in np.flatnonzero(scenario.kind >= 0):
        kind = INJECTED_KINDS[scenario.kind[dealer]]
        month, size = calendar.label(scenario.month[dealer]), scenario.size[dealer]
        region = network.region[dealer]
        note = {
            "order_drop": f"units -{size:.0%} from {month}"
            if size < 1
            else f"dormant from {month} (no more orders)",
            "price_drop": f"unit price -{size:.0%} from {month}, same SKUs",
            "complaint_spike": f"complaints x{size:.1f} of the normal rate in {month}",
            "quality_spike": f"+{size:.0f} quality incidents in {month}, mostly one SKU",
            "sales_drop": f"sell-out -{size:.0%} from {month}, orders unchanged",
            "service_overdue": f"{size:.0%} of the cases opened from the month before {month} "
            "left open for months",
            "sellthrough_gap": f"sell-in +{np.sqrt(1 + size) - 1:.0%} and sell-out "
            f"-{1 - 1 / np.sqrt(1 + size):.0%} from {month}: stock piles up",
            "category_spike": f"{COMPLAINT_CATEGORIES[scenario.category[dealer]]} complaints "
            f"x{size:.1f} of the normal rate for {CATEGORY_SPIKE_MONTHS} months from {month}",
            "style_shift": f"orders of {network.region_names[region]}'s best styles "
            f"({', '.join(STYLE_NAMES[s] for s in scenario.top_styles[region])}) "
            f"-{size:.0%} from {month}",
            CHEAPER_MIX: f"cheaper_mix from {month}: volume moves to cheaper SKUs (average "
            f"unit price -{size:.0%}), per-SKU prices unchanged",
        }[kind]
        indicator, label_kind = ("price_drop", "trap") if kind == CHEAPER_MIX else (kind, "event")
        rows.append((network.ids[dealer], month, indicator, label_kind, note))

    traps = (
        (scenario.dip, "order_drop", "region_dip {region}: the whole region orders -{size:.0%}"),
        (scenario.wave, "category_spike", "logistics_wave {region}: logistics complaints "
         "x{factor:.1f} across the region"),
        (scenario.stock_up, "sellthrough_gap", "stock_up {region}: the whole region buys "
         "+{size:.0%} ahead of the season"),
    )  # fmt: skip
    for trap, indicator, text in traps:
        month = calendar.label(trap.month)
        region = network.region_names[trap.region]
        note = text.format(region=region, size=trap.size, factor=trap.size) + f" in {month} only"
        hit = (network.region == trap.region) & _trapped(network, scenario.kind, trap.month)
        rows += [(network.ids[d], month, indicator, "trap", note) for d in np.flatnonzero(hit)]
    for dealer in np.flatnonzero(world.late_report >= 0):
        month, next_month = (calendar.label(world.late_report[dealer] + k) for k in (0, 1))
        note = f"late_report: the sell-out of {month} is reported with {next_month}'s"
        rows += [(network.ids[dealer], month, i, "trap", note) for i in LATE_REPORT_TRAPS]
    return pl.DataFrame(rows, schema=list(LABEL_COLUMNS), orient="row").sort(
        "month", "indicator", "dealer_id"
    )
