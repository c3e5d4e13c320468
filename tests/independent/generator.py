"""Labelled dealer data written clean-room from the data contract, not from the project's demo.

The detection targets must hold on data the detectors were not tuned on, so this generator makes
its own modelling choices: a dealer network with uneven regions, dealers joining over time and
sizes over two orders of magnitude; negative-binomial order counts with dealer-specific
dispersion, zero-inflated months for small dealers and lognormal order sizes with a Pareto tail;
yearly seasonality with dealer amplitude and phase jitter, holidays, trends and a slow AR(1)
drift per dealer; sell-out that lags and smooths sell-in; complaints and quality incidents as
over-dispersed counts proportional to volume, by category, with service cases that close.

Injected events (`kind=event`) and traps that must not alert (`kind=trap`) are written to
`labels.csv` in the format `dealer-warnings evaluate --labels` reads, `note` saying which
scenario a row is. Every dealer carries at most one event; traps that pick dealers pick dealers
without one, so each label is unambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

STYLES = (
    "Aurora", "Basalt", "Cedar", "Dune", "Ember", "Fjord", "Grove", "Harbor", "Iris", "Juniper",
    "Kestrel", "Lumen",
)  # fmt: skip
SKUS_PER_STYLE = 5
PRODUCT_LINES = ("living", "outdoor", "office", "kids")
REGION_NAMES = (
    "Nordland", "Southbay", "Eastgate", "Westmark", "Midlands", "Coastline", "Highveld", "华南",
    "Lakeside", "Riverbend",
)  # fmt: skip
COMPLAINT_CATEGORIES = ("quality", "logistics", "packaging", "service", "design", "other")
CATEGORY_MIX = np.array([0.30, 0.20, 0.12, 0.18, 0.10, 0.10])
SEVERITIES = ("low", "medium", "high")
DEFECTS = {"scratch": "划痕", "crack": "开裂", "colour": "色差", "missing_part": "缺件",
           "malfunction": "功能故障", "finish": "表面处理不良"}  # fmt: skip
QUALITY_HEADERS_ZH = {
    "incident_id": "事件编号", "dealer_id": "经销商编码", "reported_on": "报告日期",
    "sku": "产品编码", "defect_type": "缺陷类型", "units_affected": "影响数量",
}  # fmt: skip
# Injected event types, with the indicators each is labelled under.
EVENT_INDICATORS = {
    "order_drop": ("order_drop",),
    "churn": ("order_drop",),
    "price_drop": ("price_drop",),
    "complaint_surge": ("complaint_spike",),
    "quality_cluster": ("quality_spike",),
    "stock_piling": ("sellthrough_gap", "sales_drop"),
    "service_neglect": ("service_overdue",),
    "logistics_complaints": ("category_spike",),
    "style_abandon": ("style_shift",),
}
HISTORY = 12  # months of history before the first evaluated month (evaluate's default)


@dataclass(frozen=True)
class Dataset:
    """One generated export: the five sources as the contract names them, and the labels."""

    dealers: pl.DataFrame
    orders: pl.DataFrame
    sales: pl.DataFrame
    complaints: pl.DataFrame
    quality: pl.DataFrame
    labels: pl.DataFrame

    def write(self, folder: Path, gbk_quality: bool = True) -> Path:
        """Write the export into `folder` in mixed formats; return the path of labels.csv."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        _write_xlsx(self.dealers, folder / "dealers.xlsx")
        months = self.orders["order_date"].dt.truncate("1mo")
        for number, (month, part) in enumerate(
            self.orders.with_columns(months.alias("_month")).group_by("_month", maintain_order=True)
        ):
            fmt = "%Y/%m/%d" if number % 5 == 3 else "%Y-%m-%d"
            part.drop("_month").with_columns(pl.col("order_date").dt.strftime(fmt)).write_csv(
                folder / f"orders_{month[0]:%Y-%m}.csv"
            )
        for (year,), part in self.sales.group_by(pl.col("month").dt.year(), maintain_order=True):
            part.write_parquet(folder / f"sales_{year}.parquet")
        for (year,), part in self.complaints.group_by(
            pl.col("opened_on").dt.year(), maintain_order=True
        ):
            text = part.write_csv(date_format="%Y-%m-%d")
            (folder / f"complaints_{year}.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
        if gbk_quality:
            chinese = self.quality.with_columns(
                pl.col("defect_type").replace_strict(DEFECTS)
            ).rename(QUALITY_HEADERS_ZH)
            text = chinese.write_csv(date_format="%Y-%m-%d")
            (folder / "quality_incidents.csv").write_bytes(text.encode("gbk"))
        else:
            self.quality.write_csv(folder / "quality_incidents.csv", date_format="%Y-%m-%d")
        labels = folder / "labels.csv"
        self.labels.write_csv(labels)
        return labels


def generate(
    seed: int = 0,
    dealers: int = 300,
    months: int = 36,
    end_month: str = "2026-10",
    *,
    event_share: float = 0.3,
    late_report_share: float = 0.03,
    region_dip: float = 0.6,
    list_price_cut: float = 0.08,
) -> Dataset:
    """A labelled export of `dealers` dealers over `months` months ending with `end_month`.

    event_share: dealers with one injected event; late_report_share: dealers that report one
    month's sell-out a month late; region_dip: order volume left in the one-month region-wide dip;
    list_price_cut: the price list change for everyone in the evaluated period.
    """
    if months < HISTORY + 6:
        raise ValueError(f"need at least {HISTORY + 6} months: {HISTORY} of history and 6 to judge")
    rng = np.random.default_rng(seed)
    starts = _month_starts(end_month, months)
    net = _network(rng, dealers, starts)
    cat = _catalogue(rng, net)
    plan = _plan(rng, net, cat, months, event_share, region_dip, list_price_cut)
    orders, order_counts = _orders(rng, net, cat, plan, starts)
    sales = _sales(rng, net, cat, plan, starts, late_report_share)
    complaints, complaint_counts = _complaints(rng, net, plan, starts)
    quality = _quality(rng, net, cat, plan, starts)
    labels = _labels(net, plan, starts, order_counts, sales, complaint_counts)
    return Dataset(net.frame, orders, sales.frame, complaints, quality, labels)


# --- the network ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Network:
    frame: pl.DataFrame  # dealers as the master file has them
    ids: np.ndarray
    region: np.ndarray  # region index per dealer
    regions: int
    start: np.ndarray  # first month index with activity
    size: np.ndarray  # expected orders per month at the start, before seasonality
    dispersion: np.ndarray  # negative-binomial shape of the monthly order count
    zero_share: np.ndarray  # extra zero months (small dealers skip a month)
    demand: np.ndarray  # dealers x months: expected orders without events and supply shocks
    season: np.ndarray  # dealers x months: seasonality and holidays alone
    lines_mean: np.ndarray  # extra lines per order (Poisson)
    qty_log_mean: np.ndarray  # log of the median line quantity
    discount: np.ndarray  # the dealer's standing discount off list
    complaints_per_order: np.ndarray
    incidents_per_order: np.ndarray


def _network(rng: np.random.Generator, dealers: int, starts: np.ndarray) -> _Network:
    months = len(starts)
    regions = int(np.clip(round(dealers / 35), 4, len(REGION_NAMES)))
    region_share = rng.dirichlet(np.full(regions, 1.3))
    region = rng.choice(regions, size=dealers, p=region_share)
    # Sizes log-uniform-ish from ~1.5 to ~220 orders a month, most dealers small.
    size = np.clip(np.exp(rng.normal(np.log(9), 1.1, dealers)), 1.5, 220)
    tier_rank = np.argsort(np.argsort(-size * np.exp(rng.normal(0, 0.4, dealers))))
    tier = np.where(tier_rank < 0.2 * dealers, "A", np.where(tier_rank < 0.6 * dealers, "B", "C"))
    start = np.where(rng.random(dealers) < 0.82, 0, rng.integers(1, months - 8, dealers))
    months_idx = np.arange(months)
    active = months_idx[None, :] >= start[:, None]
    ramp = np.clip((months_idx[None, :] - start[:, None] + 1) / 4, 0, 1) ** 0.7
    ramp = np.where(start[:, None] == 0, 1.0, ramp)

    # Seasonality: regional peak and amplitude, jittered per dealer; two holiday calendars.
    region_peak = rng.uniform(0, 12, regions)
    region_amp = rng.uniform(0.08, 0.3, regions)
    amp = np.clip(region_amp[region] + rng.normal(0, 0.06, dealers), 0.02, 0.45)
    peak = region_peak[region] + rng.normal(0, 0.8, dealers)
    calendar_month = (starts.astype("datetime64[M]").astype(int) % 12)[months_idx]  # 0 = Jan
    wave = 1 + amp[:, None] * np.sin(2 * np.pi * (calendar_month[None, :] - peak[:, None]) / 12)
    holidays = np.ones((2, 12))
    holidays[0, [1, 9]] = (0.7, 0.88)  # lunar new year, golden week
    holidays[1, [7, 11]] = (0.78, 0.9)  # summer shutdown, year end
    region_holidays = rng.integers(0, 2, regions)
    season = wave * holidays[region_holidays[region]][:, calendar_month]
    trend = np.exp(rng.normal(0.03, 0.1, dealers)[:, None] * months_idx[None, :] / 12)
    drift = np.zeros((dealers, months))
    for m in range(1, months):  # slow AR(1) drift of each dealer's level
        drift[:, m] = 0.75 * drift[:, m - 1] + rng.normal(0, 0.05, dealers)
    region_shock = np.exp(rng.normal(0, 0.04, (regions, months)))[region]
    demand = size[:, None] * season * trend * np.exp(drift) * region_shock * ramp * active

    managers_per_region = np.maximum(1, np.ceil(np.bincount(region, minlength=regions) / 14))
    manager_no = (rng.random(dealers) * managers_per_region[region]).astype(int)
    manager = np.char.add(
        np.char.add(np.array(["Mgr "] * dealers), np.array(REGION_NAMES)[region].astype(str)),
        np.char.add(" ", (manager_no + 1).astype(str)),
    )
    ids = np.array([f"K{n:04d}" for n in range(1, dealers + 1)])
    since_days = np.where(
        start == 0, -rng.integers(60, 3000, dealers), start * 30.4 - rng.integers(0, 20, dealers)
    )
    frame = pl.DataFrame(
        {
            "dealer_id": ids,
            "dealer_name": [
                f"{name} Trading {n}" for n, name in zip(ids, _names(rng, dealers), strict=True)
            ],
            "region": np.array(REGION_NAMES)[region],
            "tier": tier,
            "manager_name": manager,
            "manager_email": [
                m.lower().replace(" ", ".").replace("华南", "huanan") + "@example.com"
                for m in manager
            ],
            "active_since": starts[0] + since_days.astype(int),
        }
    ).with_columns(pl.col("active_since").cast(pl.Date))
    return _Network(
        frame=frame,
        ids=ids,
        region=region,
        regions=regions,
        start=start,
        size=size,
        dispersion=rng.uniform(6, 30, dealers),
        zero_share=np.where(size < 4, rng.uniform(0.05, 0.25, dealers), 0.0),
        demand=demand,
        season=season,
        lines_mean=rng.uniform(0.3, 2.2, dealers),
        qty_log_mean=np.log(np.where(tier == "A", 6, np.where(tier == "B", 4, 2.5)))
        + rng.normal(0, 0.3, dealers),
        discount=np.where(tier == "A", 0.12, np.where(tier == "B", 0.07, 0.03)),
        complaints_per_order=np.exp(rng.normal(np.log(0.08), 0.45, dealers)),
        incidents_per_order=np.exp(rng.normal(np.log(0.035), 0.5, dealers)),
    )


def _names(rng: np.random.Generator, count: int) -> list[str]:
    stems = ("Oak", "Silver", "Golden", "Blue", "Red", "Green", "Stone", "Maple", "Pine", "Star")
    places = ("Home", "Living", "Interiors", "Furnish", "Decor", "House", "Comfort", "Space")
    return [f"{stems[a]} {places[b]}" for a, b in rng.integers(0, (10, 8), (count, 2))]


@dataclass(frozen=True)
class _Catalogue:
    skus: np.ndarray
    style: np.ndarray  # style index per SKU
    line: np.ndarray  # product line index per style
    list_price: np.ndarray  # per SKU, at the start
    weights: np.ndarray  # dealers x SKUs: each dealer's usual mix
    top_styles: np.ndarray  # regions x 2: the region's best-selling styles


def _catalogue(rng: np.random.Generator, net: _Network) -> _Catalogue:
    styles = len(STYLES)
    style_price = np.exp(rng.normal(np.log(120), 0.8, styles))
    sku_style = np.repeat(np.arange(styles), SKUS_PER_STYLE)
    # Within a style, SKUs from an entry model to a premium one (0.45x .. 2.2x).
    ladder = np.tile(np.geomspace(0.45, 2.2, SKUS_PER_STYLE), styles)
    list_price = np.round(style_price[sku_style] * ladder * rng.uniform(0.95, 1.05, ladder.size), 2)
    region_pop = rng.dirichlet(np.full(styles, 0.6), net.regions)
    dealer_style = region_pop[net.region] * np.exp(rng.normal(0, 0.5, (len(net.ids), styles)))
    sku_pop = rng.dirichlet(np.full(SKUS_PER_STYLE, 2.0), styles).ravel()
    weights = dealer_style[:, sku_style] * sku_pop[None, :]
    return _Catalogue(
        skus=np.array([f"{STYLES[s][:3].upper()}-{n:03d}" for n, s in enumerate(sku_style, 101)]),
        style=sku_style,
        line=np.arange(styles) % len(PRODUCT_LINES),
        list_price=list_price,
        weights=weights / weights.sum(axis=1, keepdims=True),
        top_styles=np.argsort(-region_pop, axis=1)[:, :2],
    )


# --- events and traps ----------------------------------------------------------------------


@dataclass
class _Plan:
    volume: np.ndarray  # dealers x months: multiplies the dealer's demand (its own problems)
    supply: np.ndarray  # dealers x months: multiplies sell-in only (outages, one-offs aside)
    price: np.ndarray  # dealers x months: multiplies the dealer's unit prices
    list_price: np.ndarray  # months: multiplies every list price
    sellout: np.ndarray  # dealers x months: multiplies sell-out only
    complaint_extra: np.ndarray  # dealers x months: extra complaints, usual mix
    logistics_extra: np.ndarray  # dealers x months: extra logistics/packaging complaints
    neglect: np.ndarray  # dealers x months: cases opened then are left open
    quality_extra: np.ndarray  # dealers x months: extra incidents on one SKU
    profiles: list[tuple[int, int, np.ndarray]]  # (dealer, from month, new SKU mix)
    one_offs: list[tuple[int, int]]  # (dealer, month) of a single huge order
    labels: list[tuple[int, int, str, str, str]]  # (dealer, month, indicator, kind, note)
    event_dealers: np.ndarray  # bool per dealer


def _plan(
    rng: np.random.Generator,
    net: _Network,
    cat: _Catalogue,
    months: int,
    event_share: float,
    region_dip: float,
    list_price_cut: float,
) -> _Plan:
    dealers = len(net.ids)
    shape = (dealers, months)
    plan = _Plan(
        volume=np.ones(shape),
        supply=np.ones(shape),
        price=np.ones(shape),
        list_price=np.ones(months),
        sellout=np.ones(shape),
        complaint_extra=np.zeros(shape),
        logistics_extra=np.zeros(shape),
        neglect=np.zeros(shape, bool),
        quality_extra=np.zeros(shape),
        profiles=[],
        one_offs=[],
        labels=[],
        event_dealers=np.zeros(dealers, bool),
    )
    typical = np.median(net.demand[:, HISTORY:], axis=1)
    complaints_rate = _complaint_rate(net)
    # What an event needs to be visible at all: orders to drop, prices to compare, cases.
    needs = {
        "order_drop": typical >= 6,
        "churn": typical >= 3,
        "price_drop": typical >= 3,
        "complaint_surge": typical >= 1,
        "quality_cluster": typical >= 1,
        "stock_piling": typical >= 4,
        "service_neglect": complaints_rate >= 1.5,
        "logistics_complaints": complaints_rate >= 1.0,
        "style_abandon": typical >= 8,
    }
    per_type = max(1, round(event_share * dealers / len(EVENT_INDICATORS)))
    first_event = HISTORY + 1
    for kind in rng.permutation(list(EVENT_INDICATORS)):
        latest = months - (6 if kind == "churn" else 3)
        earliest = np.maximum(first_event, net.start + HISTORY + 1)
        pool = np.flatnonzero(needs[kind] & ~plan.event_dealers & (earliest <= latest))
        for d in rng.permutation(pool)[:per_type]:
            m = int(rng.integers(earliest[d], latest + 1))
            _inject(rng, plan, net, cat, kind, int(d), m, complaints_rate[d])
            plan.event_dealers[d] = True
            for indicator in EVENT_INDICATORS[kind]:
                plan.labels.append((int(d), m, indicator, "event", kind))
    _traps(rng, plan, net, cat, months, region_dip, list_price_cut)
    return plan


def _inject(
    rng: np.random.Generator,
    plan: _Plan,
    net: _Network,
    cat: _Catalogue,
    kind: str,
    d: int,
    m: int,
    complaints_rate: float,
) -> None:
    months = plan.volume.shape[1]
    if kind == "order_drop":  # sudden: some persist, some recover after a few months
        left = rng.uniform(0.15, 0.5)
        until = months if rng.random() < 0.6 else m + int(rng.integers(3, 7))
        plan.volume[d, m:until] *= left
    elif kind == "churn":  # a short decline, then no more orders
        plan.volume[d, m : m + 2] *= (0.45, 0.2)[: months - m]
        plan.volume[d, m + 2 :] = 0
    elif kind == "price_drop":  # the same SKUs, bought 12-30% cheaper
        until = months if rng.random() < 0.7 else m + int(rng.integers(3, 6))
        plan.price[d, m:until] *= 1 - rng.uniform(0.12, 0.3)
    elif kind == "complaint_surge":
        plan.complaint_extra[d, m] += max(7.0, 2.5 * complaints_rate)
    elif kind == "quality_cluster":
        plan.quality_extra[d, m] += max(6.0, 3.0 * _quality_rate(net)[d])
    elif kind == "stock_piling":  # sell-out falls month after month, orders keep coming
        fade = np.array([0.7, 0.55, 0.45, 0.4, 0.38, 0.36])
        plan.sellout[d, m : m + 6] *= fade[: months - m]
        plan.sellout[d, m + 6 :] *= 0.36
    elif kind == "service_neglect":
        plan.neglect[d, m : m + int(rng.integers(4, 9))] = True
    elif kind == "logistics_complaints":
        plan.logistics_extra[d, m : m + 2] += max(5.0, 1.5 * complaints_rate)
    elif kind == "style_abandon":  # buys the region's best sellers elsewhere, the rest here
        mix = cat.weights[d].copy()
        top = np.isin(cat.style, cat.top_styles[net.region[d]])
        lost = mix[top].sum()
        mix[top] *= 0.05
        plan.profiles.append((d, m, mix / mix.sum()))
        plan.volume[d, m:] *= 1 - 0.5 * lost


def _traps(
    rng: np.random.Generator,
    plan: _Plan,
    net: _Network,
    cat: _Catalogue,
    months: int,
    region_dip: float,
    list_price_cut: float,
) -> None:
    dealers = len(net.ids)
    calm = ~plan.event_dealers
    typical = np.median(net.demand[:, HISTORY:], axis=1)
    established = net.start == 0  # ordering since the first month
    used = np.zeros(dealers, bool)

    def pick(count: int, mask: np.ndarray) -> np.ndarray:
        chosen = rng.permutation(np.flatnonzero(mask & calm & ~used))[:count]
        used[chosen] = True
        return chosen

    # A dealer moving to the entry models of the same styles, at unchanged per-SKU prices.
    for d in pick(max(3, dealers // 40), (typical >= 4) & established):
        m = int(rng.integers(HISTORY + 1, months - 2))
        cheap = np.argsort(np.argsort(cat.list_price.reshape(-1, SKUS_PER_STYLE), axis=1), axis=1)
        mix = cat.weights[d] * np.where(cheap.ravel() < 2, 6.0, 0.25)
        plan.profiles.append((int(d), m, mix / mix.sum()))
        plan.labels.append((int(d), m, "price_drop", "trap", "cheaper_mix"))
    # A single huge one-off order (a project), then back to normal.
    for d in pick(max(3, dealers // 50), (typical >= 3) & established):
        m = int(rng.integers(HISTORY, months - 3))
        plan.one_offs.append((int(d), m))
        plan.labels.append((int(d), m + 1, "order_drop", "trap", "one_off_order"))
    # A whole region ordering less for one month (a logistics outage, a storm).
    sizes = np.bincount(net.region, minlength=net.regions)
    dip_region = int(np.argmax(sizes))
    dip_month = int(rng.integers(HISTORY + 1, months - 2))
    in_region = net.region == dip_region
    plan.supply[in_region, dip_month] *= region_dip * rng.uniform(0.9, 1.1, in_region.sum())
    for d in np.flatnonzero(in_region & calm & (net.start < dip_month)):
        plan.labels.append((int(d), dip_month, "order_drop", "trap", "region_dip"))
    # A price list change for everyone: a small rise before the evaluated period, a cut in it.
    plan.list_price[HISTORY // 2 :] *= 1.05
    cut = int(rng.integers(HISTORY + 1, months - 2))
    plan.list_price[cut:] *= 1 - list_price_cut
    for d in np.flatnonzero(calm & (net.start + 3 < cut) & (typical >= 2)):
        plan.labels.append((int(d), cut, "price_drop", "trap", "list_price_change"))
    # Seasonal dips that come back every year: the deepest month of the last evaluated year.
    last_year = slice(months - 13, months - 1)
    strong = (net.season[:, last_year].min(axis=1) < 0.72) & calm & established
    for d in np.flatnonzero(strong):
        m = months - 13 + int(np.argmin(net.season[d, last_year]))
        plan.labels.append((int(d), m, "order_drop", "trap", "seasonal_dip"))


def _complaint_rate(net: _Network) -> np.ndarray:
    """Complaints a month per dealer at its typical volume (about 1 per 12 orders, varying)."""
    return net.complaints_per_order * np.median(net.demand[:, HISTORY:], axis=1)


def _quality_rate(net: _Network) -> np.ndarray:
    """Quality incidents a month per dealer at its typical volume."""
    return net.incidents_per_order * np.median(net.demand[:, HISTORY:], axis=1)


# --- the sources ---------------------------------------------------------------------------


def _month_starts(end_month: str, months: int) -> np.ndarray:
    end = np.datetime64(end_month, "M")
    return np.arange(end - months + 1, end + 1).astype("datetime64[D]")


def _days_in_month(starts: np.ndarray) -> np.ndarray:
    return ((starts.astype("datetime64[M]") + 1).astype("datetime64[D]") - starts).astype(int)


def _sample_rows(rng: np.random.Generator, probabilities: np.ndarray, rows: np.ndarray):
    """One column index per entry of `rows`, drawn from that row of `probabilities`, vectorised:
    the rows' cumulative distributions laid end to end, offset by the row number."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    width = probabilities.shape[1]
    flat = (cumulative + np.arange(len(probabilities))[:, None]).ravel()
    picked = np.searchsorted(flat, rows + rng.random(len(rows)) * (1 - 1e-12), side="right")
    return np.minimum(picked - rows * width, width - 1)


def _orders(
    rng: np.random.Generator,
    net: _Network,
    cat: _Catalogue,
    plan: _Plan,
    starts: np.ndarray,
) -> tuple[pl.DataFrame, np.ndarray]:
    """Order lines, and the number of orders per dealer and month."""
    dealers, months = net.demand.shape
    mean = net.demand * plan.volume * plan.supply
    k = net.dispersion[:, None]
    counts = rng.negative_binomial(k, k / (k + mean))
    counts[rng.random(counts.shape) < net.zero_share[:, None]] = 0
    cell = np.repeat(np.arange(dealers * months), counts.ravel())
    d, m = cell // months, cell % months
    day = (rng.random(len(cell)) * _days_in_month(starts)[m]).astype(int)
    lines = 1 + rng.poisson(net.lines_mean[d])
    order_of_line = np.repeat(np.arange(len(cell)), lines)
    ld, lm = d[order_of_line], m[order_of_line]

    # SKU per line from the dealer's mix, or its changed mix from a month on.
    profile = ld.copy()
    mixes = [cat.weights]
    for number, (dealer, month, mix) in enumerate(plan.profiles):
        profile[(ld == dealer) & (lm >= month)] = dealers + number
        mixes.append(mix[None, :])
    sku = _sample_rows(rng, np.vstack(mixes), profile)
    quantity = np.maximum(1, np.round(np.exp(rng.normal(net.qty_log_mean[ld], 0.85))))
    tail = rng.random(len(ld)) < 0.01
    quantity[tail] *= np.minimum(1 + rng.pareto(1.5, tail.sum()), 40).round()
    price = (
        cat.list_price[sku]
        * plan.list_price[lm]
        * (1 - net.discount[ld])
        * plan.price[ld, lm]
        * (1 + rng.normal(0, 0.008, len(ld)))
    )
    lines_frame = pl.DataFrame(
        {
            "order": order_of_line,
            "sku_index": sku,
            "dealer_index": ld,
            "order_date": starts[lm] + day[order_of_line],
            "quantity": quantity.astype(np.int64),
            "unit_price": price,
        }
    )
    lines_frame = pl.concat([lines_frame, _one_off_lines(rng, net, cat, plan, starts, len(cell))])
    lines_frame = _split_deliveries(rng, lines_frame)
    returns = _returns(rng, lines_frame, starts)
    frame = pl.concat([lines_frame, returns]).with_columns(
        pl.col("unit_price").round(2),
        pl.col("order_date").cast(pl.Date),
    )
    return frame.select(
        ("SO" + pl.col("order").cast(pl.String).str.zfill(7)).alias("order_id"),
        pl.int_range(1, pl.len() + 1).over("order", "returned").alias("line_no"),
        pl.col("sku_index").replace_strict(dict(enumerate(cat.skus))).alias("sku"),
        pl.col("dealer_index").replace_strict(dict(enumerate(net.ids))).alias("dealer_id"),
        "order_date",
        "quantity",
        "unit_price",
        pl.col("sku_index")
        .replace_strict({n: STYLES[s] for n, s in enumerate(cat.style)})
        .alias("style"),
        "returned",
    ).with_columns(
        pl.when(pl.col("returned"))
        .then("C" + pl.col("order_id"))
        .otherwise("order_id")
        .alias("order_id")
    ).drop("returned").sort("order_date", "order_id", "line_no"), counts


def _one_off_lines(
    rng: np.random.Generator,
    net: _Network,
    cat: _Catalogue,
    plan: _Plan,
    starts: np.ndarray,
    first_order: int,
) -> pl.DataFrame:
    """The one-off project orders: one line of about ten months' usual units of one SKU."""
    dealer = np.array([d for d, _ in plan.one_offs], dtype=np.int64)
    month = np.array([m for _, m in plan.one_offs], dtype=np.int64)
    sku = _sample_rows(rng, cat.weights, dealer)
    usual = (
        net.demand[dealer, month]
        * (1 + net.lines_mean[dealer])
        * np.exp(net.qty_log_mean[dealer] + 0.85**2 / 2)
    )
    return pl.DataFrame(
        {
            "order": first_order + np.arange(len(dealer), dtype=np.int64),
            "sku_index": sku,
            "dealer_index": dealer,
            "order_date": starts[month] + 9,
            "quantity": (10 * usual).astype(np.int64) + 1,
            "unit_price": cat.list_price[sku] * plan.list_price[month] * (1 - net.discount[dealer]),
        }
    )


def _split_deliveries(rng: np.random.Generator, lines: pl.DataFrame) -> pl.DataFrame:
    """About 6% of lines of 2+ units appear as two lines of the same SKU (split delivery)."""
    split = (rng.random(lines.height) < 0.06) & (lines["quantity"].to_numpy() >= 2)
    first = np.ones(lines.height, dtype=np.int64)
    q = lines["quantity"].to_numpy()
    first[split] = 1 + (rng.random(split.sum()) * (q[split] - 1)).astype(np.int64)
    kept = lines.with_columns(
        pl.Series("quantity", np.where(split, first, q)), pl.lit(False).alias("returned")
    )
    extra = lines.filter(pl.Series(split)).with_columns(
        pl.Series("quantity", q[split] - first[split]), pl.lit(False).alias("returned")
    )
    return pl.concat([kept, extra]).sort("order", maintain_order=True)


def _returns(rng: np.random.Generator, lines: pl.DataFrame, starts: np.ndarray) -> pl.DataFrame:
    """Credit notes for ~1.5% of orders: part of their first line, 3-45 days later."""
    data_end = (starts[-1].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    firsts = lines.unique("order", keep="first", maintain_order=True)
    chosen = firsts.filter(pl.Series(rng.random(firsts.height) < 0.015))
    share = rng.uniform(0.2, 1.0, chosen.height)
    delay = rng.integers(3, 46, chosen.height)
    return chosen.with_columns(
        -(
            pl.Series(np.maximum(1, np.round(share * chosen["quantity"].to_numpy()))).cast(pl.Int64)
        ).alias("quantity"),
        (pl.col("order_date") + pl.duration(days=pl.Series(delay))).alias("order_date"),
        pl.lit(True).alias("returned"),
    ).filter(pl.col("order_date") <= data_end)


@dataclass(frozen=True)
class _Sales:
    frame: pl.DataFrame
    late: list[tuple[int, int]]  # (dealer, month) reported a month late


def _sales(
    rng: np.random.Generator,
    net: _Network,
    cat: _Catalogue,
    plan: _Plan,
    starts: np.ndarray,
    late_report_share: float,
) -> _Sales:
    """Sell-out: end-customer demand lags and smooths what the dealer bought, in units, at
    a retail price above the dealer's buying price; reported per product line or in total."""
    dealers, months = net.demand.shape
    units_per_order = (1 + net.lines_mean) * np.exp(net.qty_log_mean + 0.85**2 / 2)
    bought = net.demand * plan.volume * units_per_order[:, None]
    lagged = np.zeros_like(bought)
    for lag, weight in enumerate((0.3, 0.45, 0.25)):
        lagged[:, lag:] += weight * bought[:, : months - lag]
        lagged[:, :lag] += weight * bought[:, :1]
    units = lagged * plan.sellout * np.exp(rng.normal(0, 0.07, bought.shape))
    reporting = np.arange(months)[None, :] >= net.start[:, None]
    line_share = np.stack(
        [cat.weights[:, cat.line[cat.style] == n].sum(axis=1) for n in range(len(PRODUCT_LINES))],
        axis=1,
    )
    line_price = np.stack(
        [
            (cat.weights * cat.list_price)[:, cat.line[cat.style] == n].sum(axis=1)
            / np.maximum(line_share[:, n], 1e-9)
            for n in range(len(PRODUCT_LINES))
        ],
        axis=1,
    )
    markup = rng.uniform(1.25, 1.6, dealers)
    by_line = rng.random(dealers) < 0.7
    d, m, n = np.nonzero(reporting[:, :, None] & np.ones(len(PRODUCT_LINES), bool))
    line_units = np.round(units[d, m] * line_share[d, n] * np.exp(rng.normal(0, 0.05, len(d))))
    frame = pl.DataFrame(
        {
            "d": d,
            "m": m,
            "line": np.where(by_line[d], n, -1),
            "units": line_units,
            "revenue": line_units * line_price[d, n] * markup[d] * plan.list_price[m],
        }
    )
    late_dealers = rng.permutation(np.flatnonzero(~plan.event_dealers))
    late_dealers = late_dealers[: round(late_report_share * dealers)]
    late = [(int(x), int(rng.integers(HISTORY, months - 2))) for x in late_dealers]
    moved = pl.DataFrame(late, schema={"d": pl.Int64, "late_m": pl.Int64}, orient="row")
    frame = (
        frame.join(moved, on="d", how="left")
        .with_columns(
            pl.when(pl.col("m") == pl.col("late_m")).then(pl.col("m") + 1).otherwise("m").alias("m")
        )
        .group_by("d", "m", "line")
        .agg(pl.col("units").sum(), pl.col("revenue").sum())
        .filter(pl.col("units") > 0)
        .sort("d", "m", "line")
    )
    line_names = dict(enumerate(PRODUCT_LINES)) | {-1: None}
    return _Sales(
        frame.select(
            pl.col("d").replace_strict(dict(enumerate(net.ids))).alias("dealer_id"),
            pl.col("m").replace_strict(dict(enumerate(starts.tolist()))).alias("month"),
            pl.col("line").replace_strict(line_names, return_dtype=pl.String).alias("product_line"),
            pl.col("revenue").round(2),
            pl.col("units").cast(pl.Int64),
        ),
        late,
    )


def _complaints(
    rng: np.random.Generator, net: _Network, plan: _Plan, starts: np.ndarray
) -> tuple[pl.DataFrame, np.ndarray]:
    """End-customer complaints: over-dispersed counts proportional to volume, the dealer's
    own mix of categories, cases closed within days (or left open when neglected)."""
    dealers, months = net.demand.shape
    mean = net.complaints_per_order[:, None] * net.demand * plan.volume
    base = rng.negative_binomial(3, 3 / (3 + mean))
    surge = rng.poisson(plan.complaint_extra)
    logistics = rng.poisson(plan.logistics_extra)
    quality_related = rng.poisson(0.5 * plan.quality_extra)
    mix = rng.dirichlet(CATEGORY_MIX * 25, dealers)
    cells = np.arange(dealers * months)
    parts = []
    for counts, categories in (
        (base + surge, None),
        (logistics, np.array([0.0, 0.65, 0.35, 0, 0, 0])),
        (quality_related, np.array([1.0, 0, 0, 0, 0, 0])),
    ):
        cell = np.repeat(cells, counts.ravel())
        d = cell // months
        probabilities = mix if categories is None else categories[None, :]
        rows = d if categories is None else np.zeros_like(d)
        parts.append((cell, _sample_rows(rng, probabilities, rows)))
    cell = np.concatenate([p[0] for p in parts])
    category = np.concatenate([p[1] for p in parts])
    d, m = cell // months, cell % months
    opened = starts[m] + (rng.random(len(cell)) * _days_in_month(starts)[m]).astype(int)
    days_open = np.ceil(np.exp(rng.normal(np.log(5), 0.6, len(cell)))).astype(int)
    neglected = plan.neglect[d, m]
    days_open[neglected] = rng.integers(75, 240, neglected.sum())
    closed = opened + days_open.astype("timedelta64[D]")
    data_end = (starts[-1].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    never = neglected & (rng.random(len(cell)) < 0.6)
    order = np.argsort(opened, kind="stable")
    frame = pl.DataFrame(
        {
            "complaint_id": [f"CS{n:07d}" for n in range(1, len(cell) + 1)],
            "dealer_id": net.ids[d[order]],
            "opened_on": opened[order],
            "category": np.array(COMPLAINT_CATEGORIES)[category[order]],
            "severity": np.array(SEVERITIES)[rng.choice(3, len(cell), p=[0.55, 0.35, 0.1])],
            "closed_on": np.where((closed > data_end) | never, np.datetime64("NaT"), closed)[order],
        }
    ).with_columns(pl.col("opened_on").cast(pl.Date), pl.col("closed_on").cast(pl.Date))
    return frame, base + surge + logistics + quality_related


def _quality(
    rng: np.random.Generator, net: _Network, cat: _Catalogue, plan: _Plan, starts: np.ndarray
) -> pl.DataFrame:
    """Quality incidents: rarer than complaints and more over-dispersed; a cluster is one
    SKU with one defect reported many times in a month."""
    dealers, months = net.demand.shape
    mean = net.incidents_per_order[:, None] * net.demand * plan.volume
    counts = rng.negative_binomial(1.5, 1.5 / (1.5 + mean))
    cluster = rng.poisson(plan.quality_extra)
    defects = np.array(list(DEFECTS))
    cell = np.repeat(np.arange(dealers * months), counts.ravel())
    cluster_cell = np.repeat(np.arange(dealers * months), cluster.ravel())
    d = np.concatenate([cell, cluster_cell]) // months
    m = np.concatenate([cell, cluster_cell]) % months
    sku = _sample_rows(rng, cat.weights, d)
    defect = rng.integers(0, len(defects), len(d))
    in_cluster = np.arange(len(d)) >= len(cell)
    # Every cluster is one SKU and one defect: those of its dealer-month's first incident.
    pinned = pl.DataFrame({"cell": d * months + m, "sku": sku, "defect": defect}).select(
        pl.col("sku", "defect").first().over("cell")
    )
    sku = np.where(in_cluster, pinned["sku"].to_numpy(), sku)
    defect = np.where(in_cluster, pinned["defect"].to_numpy(), defect)
    reported = starts[m] + (rng.random(len(d)) * _days_in_month(starts)[m]).astype(int)
    order = np.argsort(reported, kind="stable")
    no_sku = rng.random(len(d)) < 0.1  # not every report names the SKU
    return pl.DataFrame(
        {
            "incident_id": [f"QI{n:06d}" for n in range(1, len(d) + 1)],
            "dealer_id": net.ids[d[order]],
            "reported_on": reported[order],
            "sku": cat.skus[sku[order]],
            "defect_type": defects[defect[order]],
            "units_affected": 1 + rng.geometric(0.4, len(d)),
        }
    ).with_columns(
        pl.col("reported_on").cast(pl.Date),
        pl.when(pl.Series(no_sku[order])).then(None).otherwise("sku").alias("sku"),
    )


# --- labels and files ----------------------------------------------------------------------


def _labels(
    net: _Network,
    plan: _Plan,
    starts: np.ndarray,
    order_counts: np.ndarray,
    sales: _Sales,
    complaint_counts: np.ndarray,
) -> pl.DataFrame:
    """The planned labels plus the traps only the drawn data can tell: small dealers' natural
    zero-order months and their noisiest complaint month, and late-reported sell-out."""
    months = len(starts)
    rows = list(plan.labels)
    small = (net.size < 4) & ~plan.event_dealers & (net.start == 0)
    grid = order_counts
    judged = slice(HISTORY, months - 1)
    for d in np.flatnonzero(small):
        window = grid[d, judged]
        zero = np.flatnonzero((window == 0) & (grid[d, HISTORY - 1 : months - 2] > 0))
        if zero.size:
            rows.append((int(d), HISTORY + int(zero[-1]), "order_drop", "trap", "small_noisy"))
        noisy = complaint_counts[d, judged]
        if noisy.max() >= 2:
            month = HISTORY + int(np.argmax(noisy))
            rows.append((int(d), month, "complaint_spike", "trap", "small_noisy"))
    rows += [(d, m, "sales_drop", "trap", "late_report") for d, m in sales.late]
    frame = pl.DataFrame(rows, schema=["d", "m", "indicator", "kind", "note"], orient="row")
    month_names = [f"{m:%Y-%m}" for m in starts.astype("datetime64[D]").tolist()]
    return frame.select(
        pl.col("d").replace_strict(dict(enumerate(net.ids))).alias("dealer_id"),
        pl.col("m").replace_strict(dict(enumerate(month_names))).alias("month"),
        "indicator",
        "kind",
        "note",
    ).sort("kind", "indicator", "dealer_id")


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """The dealer master as Excel exports it: a header row, dates as date cells."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(frame.columns)
    for row in frame.iter_rows():  # the dealer master: hundreds of rows, written cell by cell
        sheet.append(row)
    for cell in sheet[chr(ord("A") + frame.columns.index("active_since"))][1:]:
        cell.number_format = "yyyy-mm-dd"
    book.save(path)
