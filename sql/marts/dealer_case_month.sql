-- Grain: one row per complaint (service case) and month end at which it was open, up to the
-- as-of month ($as_of, first day). Open at a month end = opened by its last day and not closed
-- by then: a case closed later counts as open at that time, so a month's verdict never uses a
-- closing that had not happened yet. Feeds service_overdue (age_days past the allowed age).
-- Built for the months $since..$as_of, like dealer_month (full build: every month).
with

cases as (
    select complaint_id, dealer_id, category, severity, opened_on, closed_on
    from stg_complaints
    where opened_on < $as_of::date + interval 1 month
),

month_ends as (
    select
        month,
        (month + interval 1 month - interval 1 day)::date as last_day
    from (
        select unnest(generate_series(
            greatest((select date_trunc('month', min(opened_on))::date from cases), $since::date),
            $as_of::date,
            interval 1 month
        ))::date as month
    )
)

select
    cases.dealer_id,
    month_ends.month,
    cases.complaint_id,
    cases.category,
    cases.severity,
    cases.opened_on,
    month_ends.last_day - cases.opened_on as age_days
from cases
join month_ends
    on cases.opened_on <= month_ends.last_day
    and (cases.closed_on is null or cases.closed_on > month_ends.last_day)
order by cases.dealer_id, month_ends.month, cases.opened_on, cases.complaint_id
