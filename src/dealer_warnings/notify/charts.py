"""A dealer's last 13 months as a small PNG for the digest: units ordered and sell-out revenue.

Drawn with matplotlib's object API (no pyplot, no global state, no display needed). The picture
holds numbers only; its caption is in the e-mail, in the recipient's language.
"""

from __future__ import annotations

import io
from datetime import date

from dealer_warnings.months import add_months

TREND_MONTHS = 13  # a year back to the same month, so seasonality shows
_GREY, _DARK, _BLUE = "#9aa5b1", "#323f4b", "#2e6da4"


def trend_months(month: date) -> list[date]:
    """The TREND_MONTHS months ending with `month`, oldest first."""
    return [add_months(month, back) for back in range(1 - TREND_MONTHS, 1)]


def trend_png(
    months: list[date], units_ordered: list[float | None], sales_revenue: list[float | None]
) -> bytes:
    """Bars of units ordered over a line of sell-out revenue, the alert month darker.
    A None is a month before the dealer's first activity: left blank."""
    from matplotlib.figure import Figure  # imported here: a second of start-up other commands skip

    figure = Figure(figsize=(3.6, 1.5), dpi=200)  # shown at 360 px wide: sharp on HiDPI screens
    units_axes, revenue_axes = figure.subplots(2, 1, sharex=True)
    positions = list(range(len(months)))
    units = [value or 0 for value in units_ordered]
    units_axes.bar(positions, units, color=[_GREY] * (len(months) - 1) + [_DARK], width=0.7)
    revenue = [float("nan") if value is None else value for value in sales_revenue]
    revenue_axes.plot(positions, revenue, color=_BLUE, linewidth=1.5, marker="o", markersize=2)
    for axes in (units_axes, revenue_axes):
        axes.tick_params(labelsize=6, length=2, pad=1)
        axes.spines[["top", "right"]].set_visible(False)
        axes.locator_params(axis="y", nbins=2)
        axes.set_ylim(bottom=0)
    revenue_axes.set_xticks(
        [positions[0], positions[-1]], [f"{months[0]:%Y-%m}", f"{months[-1]:%Y-%m}"]
    )
    figure.subplots_adjust(left=0.13, right=0.98, top=0.95, bottom=0.16, hspace=0.25)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
