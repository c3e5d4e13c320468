"""Customer-service cases not followed up in time (`service_overdue`): more cases left open
past the allowed age at a month end than the dealer's own habit and its peers explain.

Counted are cases opened within `recent_days` that are still open `overdue_days` after they
were opened, at the month's end (a case closed later still counts as open then). An old
backlog of forgotten cases leaves the count after `recent_days`: it is known already, and a
dealer that stops following up *now* shows as a rise. The count is also judged as a share of
the cases opened in those months (the `spikes` share test): a dealer with a few cases a month
that leaves most of them open shows more clearly than as a count of 4 against a floor of 0.3,
and a dealer that had more cases and follows them up as usual does not alert.
"""

from __future__ import annotations

import math

import polars as pl

from dealer_warnings.config import DetectSettings, ServiceOverdueSettings
from dealer_warnings.detect.inputs import DetectInput
from dealer_warnings.detect.signals import month_label
from dealer_warnings.detect.spikes import ShareOf, spike_readings

DAYS_PER_MONTH = 30.4


def overdue_cases(case_month: pl.DataFrame, settings: ServiceOverdueSettings) -> pl.DataFrame:
    """Per dealer and month end: overdue recent cases (`overdue_cases`) and all open ones."""
    age = pl.col("age_days")
    overdue = (age > settings.overdue_days) & (age <= settings.recent_days)
    return case_month.group_by("dealer_id", "month").agg(
        overdue.sum().cast(pl.Int64).alias("overdue_cases"),
        pl.len().cast(pl.Int64).alias("open_cases"),
    )


def months_counted(settings: ServiceOverdueSettings) -> int:
    """Month ends a case can be counted at: its usual rate comes from months before those."""
    return math.ceil(settings.recent_days / DAYS_PER_MONTH)


def service_overdue(
    frame: pl.DataFrame, inputs: DetectInput, settings: DetectSettings
) -> pl.DataFrame:
    own = settings.service_overdue
    counted = overdue_cases(inputs.dealer_case_month, own)
    # One number for the months of cases a month end counts: the recent cases summed, the
    # months the usual rate skips, and the month ends one case is counted at.
    months = months_counted(own)
    recent = pl.col("complaints").shift(1).rolling_sum(months, min_samples=1)
    f = frame.join(
        counted, on=["dealer_id", "month"], how="left", maintain_order="left"
    ).with_columns(
        pl.col("overdue_cases", "open_cases").fill_null(0),
        recent.over("dealer_id").fill_null(0).alias("recent_cases"),
    )
    return spike_readings(
        f,
        "overdue_cases",
        "service_overdue",
        own,
        settings.baseline,
        pl.lit(f"cases still open more than {own.overdue_days} days after they were opened"),
        skip=months,
        when=pl.format(
            "at the end of {} ({} open in all)", month_label(pl.col("month")), pl.col("open_cases")
        ),
        exposures=("recent_cases",),
        share_of=ShareOf(
            "recent_cases",
            f"cases opened in the {months} months before",
            were=f"still open more than {own.overdue_days} days later",
            overlap=months,
        ),
    )
