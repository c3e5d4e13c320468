"""Calendar months as their first day: the arithmetic every part of the pipeline shares."""

from __future__ import annotations

from datetime import date


def add_months(month: date, months: int) -> date:
    """The first day of the month `months` after (or before, negative) `month`'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_complete_month(today: date | None = None) -> date:
    """First day of the last calendar month that has ended (before `today`, default today)."""
    return add_months(today or date.today(), -1)
