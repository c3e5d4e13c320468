"""Static HTML report of one month: the ranked alerts, a page per flagged dealer, the regions.

Plain files whose charts plotly.js draws from one `plotly.min.js` next to them: a manager opens
index.html from a file share or an attachment, with no server and no internet. Everything shown
comes from the warehouse's analyst views (ranked_alerts, peer_benchmarks, alert_outcomes,
alert_drilldown).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from dealer_warnings import warehouse
from dealer_warnings.config import Settings
from dealer_warnings.explain import DRILLDOWN_PARTS, drilldown_table
from dealer_warnings.months import add_months
from dealer_warnings.pipeline import InputError

TREND_MONTHS = 24
# (dealer_month column, chart title): the trends a dealer page draws against its peer band.
TRENDS = (
    ("units_ordered", "Units ordered (sell-in)"),
    ("avg_unit_price", "Average unit price paid"),
    ("sales_revenue", "Sell-out revenue reported"),
    ("complaints", "Complaints opened"),
)
# The trend an indicator is about, where an alert gets its marker.
INDICATOR_TREND = {
    "order_drop": "units_ordered",
    "price_drop": "avg_unit_price",
    "sales_drop": "sales_revenue",
    "complaint_spike": "complaints",
}
DEALER_COLOR = "#c0392b"
PEER_COLOR = "#2c6fbb"
CHART_CONFIG = {"displaylogo": False, "responsive": True}
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "report_templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters["outcome"] = lambda known: {True: "yes", False: "no"}.get(known, "not known yet")
_SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class MonthData:
    """What the report of one month shows, read from the warehouse in one go."""

    ranked: pl.DataFrame  # ranked_alerts of the month
    trends: pl.DataFrame  # flagged dealers' monthly measures and peer bands
    dealer_alerts: pl.DataFrame  # flagged dealers' alerts in the window, with outcomes
    regions: pl.DataFrame  # region x month activity and alerts
    indicator_months: pl.DataFrame  # alerts per month and indicator
    drilldown: pl.DataFrame  # flagged dealers' alerts of the month by SKU, style, category


def write_report(
    db_path: Path, month: date, out_dir: Path, settings: Settings | None = None
) -> Path:
    """Write the report of `month` into `out_dir` (index.html, regions.html, dealers/*.html,
    plotly.min.js) and return the path of index.html."""
    data = read_month(db_path, month, settings or Settings())
    (out_dir / "dealers").mkdir(parents=True, exist_ok=True)
    (out_dir / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    pages = dealer_pages(data.ranked["dealer_id"])
    for dealer in data.ranked.iter_rows(named=True):
        alerts = data.dealer_alerts.filter(pl.col("dealer_id") == dealer["dealer_id"])
        drilldown = data.drilldown.filter(pl.col("dealer_id") == dealer["dealer_id"])
        _render(
            out_dir / "dealers" / pages[dealer["dealer_id"]],
            "dealer.html",
            root="../",
            month=month,
            dealer=dealer,
            alerts=alerts.to_dicts(),
            trend_months=TREND_MONTHS,
            chart=dealer_chart(
                data.trends.filter(pl.col("dealer_id") == dealer["dealer_id"]), alerts, month
            ),
            drilldown=drilldown_table(drilldown).to_dicts(),
            drilldown_chart=drilldown_chart(drilldown) if drilldown.height else None,
        )
    _render(
        out_dir / "regions.html",
        "regions.html",
        root="",
        month=month,
        regions=region_summary(data.regions, month),
        activity_chart=region_activity_chart(data.regions),
        alerts_chart=stacked_alerts_chart(data.regions, "region", "Alerts per region and month"),
    )
    index = out_dir / "index.html"
    _render(
        index,
        "index.html",
        root="",
        month=month,
        ranked=data.ranked.to_dicts(),
        pages=pages,
        alerts_this_month=data.dealer_alerts.filter(pl.col("month") == month).height,
        chart=stacked_alerts_chart(
            data.indicator_months,
            "indicator",
            "Alerts per month and indicator: is this month unusual?",
        ),
    )
    return index


def nightly_report_folder(db_path: Path, month: date, settings: Settings) -> Path:
    """Where the nightly flow writes the report of `month`: report.out_dir (default: report/
    next to the warehouse) / 2026-10, so earlier months' reports stay and links keep working."""
    return (settings.report.out_dir or db_path.parent / "report") / f"{month:%Y-%m}"


def read_month(db_path: Path, month: date, settings: Settings) -> MonthData:
    """The month's rows from the warehouse (read-only: the published copy serves as well)."""
    if not db_path.is_file():
        raise InputError(f"warehouse {db_path} does not exist (run `dealer-warnings run` first)")
    window = {"month": month, "first": add_months(month, 1 - TREND_MONTHS)}
    con = warehouse.connect(db_path, settings.warehouse, read_only=True)
    try:
        last = warehouse.first_row(con, "SELECT max(month) FROM dealer_month")[0]
        if last is None or last < month:
            raise InputError(
                f"the warehouse's monthly marts end at {last or 'nothing'}; run or backfill "
                f"{month:%Y-%m} before reporting on it"
            )

        def query(name: str, params: dict) -> pl.DataFrame:
            return con.sql(warehouse.sql_text(f"queries/{name}.sql"), params=params).pl()

        return MonthData(
            ranked=con.sql(
                "SELECT * FROM ranked_alerts WHERE month = ? ORDER BY rank", params=[month]
            ).pl(),
            trends=query(
                "report_dealer_trends",
                window | {"min_peer_group": settings.detect.baseline.min_peer_group},
            ),
            dealer_alerts=query("report_dealer_alerts", window),
            regions=query("report_regions", window),
            indicator_months=query("report_indicator_months", window),
            drilldown=query("report_drilldown", {"month": month}),
        )
    finally:
        con.close()


def dealer_pages(dealer_ids: Iterable[str]) -> dict[str, str]:
    """dealer_id -> file name under dealers/: the id itself when it is a safe file name, else a
    hash of it (ids come from the exports and may hold slashes or worse)."""
    return {
        dealer_id: (
            dealer_id
            if _SAFE_FILE_NAME.match(dealer_id)
            else "dealer-" + hashlib.sha256(dealer_id.encode()).hexdigest()[:16]
        )
        + ".html"
        for dealer_id in dealer_ids
    }


def dealer_chart(trends: pl.DataFrame, alerts: pl.DataFrame, month: date) -> Markup:
    """The dealer's four trends, each against its peer band (p10-p90, median dashed), with the
    alerts marked on the trend they are about and the report month shaded."""
    figure = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[title for _, title in TRENDS],
        shared_xaxes=True,
        vertical_spacing=0.12,
    )
    peer_group = trends["peer_group"][0] if trends.height else ""
    for index, (measure, _) in enumerate(TRENDS):
        cell = {"row": index // 2 + 1, "col": index % 2 + 1}
        first_cell = index == 0
        band = trends.drop_nulls([f"{measure}_p10", f"{measure}_p90"])
        figure.add_trace(
            go.Scatter(
                x=band["month"].to_list() + band["month"].reverse().to_list(),
                y=band[f"{measure}_p90"].to_list() + band[f"{measure}_p10"].reverse().to_list(),
                fill="toself",
                fillcolor="rgba(44, 111, 187, 0.15)",
                line={"width": 0},
                hoverinfo="skip",
                name=f"peers p10-p90 ({peer_group})",
                legendgroup="band",
                showlegend=first_cell,
            ),
            **cell,
        )
        figure.add_trace(
            go.Scatter(
                x=trends["month"],
                y=trends[f"{measure}_p50"],
                line={"color": PEER_COLOR, "dash": "dash", "width": 1.5},
                name="peer median",
                legendgroup="median",
                showlegend=first_cell,
            ),
            **cell,
        )
        figure.add_trace(
            go.Scatter(
                x=trends["month"],
                y=trends[measure],
                mode="lines+markers",
                line={"color": DEALER_COLOR, "width": 2.5},
                marker={"size": 4},
                name="this dealer",
                legendgroup="dealer",
                showlegend=first_cell,
            ),
            **cell,
        )
        indicators = [name for name, trend in INDICATOR_TREND.items() if trend == measure]
        marked = alerts.filter(pl.col("indicator").is_in(indicators))
        values = marked.join(trends.select("month", measure), on="month", how="left")
        figure.add_trace(
            go.Scatter(
                x=values["month"],
                y=values[measure],
                mode="markers",
                marker={"symbol": "x", "size": 12, "color": "black"},
                text=values["indicator"] + " (" + values["severity"] + ")",
                hoverinfo="text+x",
                name="alert",
                legendgroup="alert",
                showlegend=False,
            ),
            **cell,
        )
    figure.add_vrect(
        x0=month - timedelta(days=15),
        x1=month + timedelta(days=15),
        fillcolor="rgba(0, 0, 0, 0.06)",
        line_width=0,
        row="all",
        col="all",
    )
    figure.update_layout(
        height=640, margin={"t": 60, "b": 40}, legend={"orientation": "h", "y": -0.08}
    )
    return _chart_html(figure)


def drilldown_chart(drilldown: pl.DataFrame) -> Markup:
    """Each alert's top parts as bars of their share of the change (a share is comparable
    across units, SKUs' price points and categories' complaints alike), one row per alert
    and dimension."""
    price = pl.col("unit") == "price index"
    top = drilldown.filter(pl.col("rank") <= DRILLDOWN_PARTS).with_columns(
        pl.format("{} by {}", "indicator", "dimension").alias("panel"),
        pl.when(price)
        .then(pl.format("{} pts", (pl.col("contribution") * 100).round(1)))
        .otherwise(pl.format("{} {}", pl.col("contribution").round(1), "unit"))
        .alias("label"),
    )
    panels = top["panel"].unique(maintain_order=True).to_list()
    figure = make_subplots(rows=len(panels), cols=1, subplot_titles=panels, vertical_spacing=0.08)
    for row, panel in enumerate(panels, start=1):
        parts = top.filter(pl.col("panel") == panel).sort("rank", descending=True)
        figure.add_trace(
            go.Bar(
                x=parts["share_of_change"] * 100,
                y=parts["part"],
                orientation="h",
                marker={"color": DEALER_COLOR},
                text=parts["label"],
                hovertemplate="%{y}: %{x:.0f}% of the change (%{text})<extra></extra>",
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        figure.update_xaxes(title_text="% of the change", row=row, col=1)
    figure.update_layout(height=90 + 190 * len(panels), margin={"t": 40, "b": 40})
    return _chart_html(figure)


def region_summary(regions: pl.DataFrame, month: date) -> list[dict]:
    """Per region: the month's activity and alerts, and units / sell-out against a year before."""
    year_before = add_months(month, -12)
    now = regions.filter(pl.col("month") == month)
    before = regions.filter(pl.col("month") == year_before).select(
        "region",
        pl.col("units_ordered").alias("units_year_before"),
        pl.col("sales_revenue").alias("sales_year_before"),
    )
    return (
        now.join(before, on="region", how="left")
        .with_columns(
            (pl.col("units_ordered") / pl.col("units_year_before") - 1).alias("units_change"),
            (pl.col("sales_revenue") / pl.col("sales_year_before") - 1).alias("sales_change"),
        )
        .sort("alerts", "region", descending=[True, False])
        .to_dicts()
    )


def region_activity_chart(regions: pl.DataFrame) -> Markup:
    """Units ordered per region as an index (the region's window average = 100), so a small
    region's dip shows as clearly as a large one's."""
    indexed = regions.with_columns(
        (pl.col("units_ordered") / pl.col("units_ordered").mean().over("region") * 100).alias(
            "index"
        )
    )
    figure = go.Figure(
        [
            go.Scatter(x=rows["month"], y=rows["index"], mode="lines", name=region)
            for (region,), rows in indexed.group_by("region", maintain_order=True)
        ]
    )
    figure.update_layout(title="Units ordered per region, index (window average = 100)", height=420)
    return _chart_html(figure)


def stacked_alerts_chart(alerts: pl.DataFrame, series: str, title: str) -> Markup:
    """Alerts per month as bars stacked by `series` (region or indicator)."""
    figure = go.Figure(
        [
            go.Bar(x=rows["month"], y=rows["alerts"], name=name)
            for (name,), rows in alerts.filter(pl.col("alerts") > 0).group_by(
                series, maintain_order=True
            )
        ]
    )
    figure.update_layout(barmode="stack", title=title, height=360)
    return _chart_html(figure)


def _chart_html(figure: go.Figure) -> Markup:
    """The figure as a div and its drawing script; plotly.js itself comes from plotly.min.js.
    Plotly escapes the data it embeds (a dealer's `</script>` cannot end the script)."""
    figure.update_layout(template="plotly_white")
    return Markup(figure.to_html(full_html=False, include_plotlyjs=False, config=CHART_CONFIG))


def _render(path: Path, template: str, **context) -> None:
    path.write_text(_TEMPLATES.get_template(template).render(**context), encoding="utf-8")
