-- One row per region and month of the window $first..$month: active dealers, units ordered,
-- sell-out, complaints, and the alerts and flagged dealers of that month. Units are cast to
-- BIGINT: the mart's HUGEINT reaches Python as a Decimal that divides as integers.
with

activity as (
    select
        d.region,
        m.month,
        count(*) as dealers,
        sum(m.units_ordered)::bigint as units_ordered,
        sum(m.sales_revenue) as sales_revenue,
        sum(m.complaints) as complaints
    from dealer_month as m
    join stg_dealers as d using (dealer_id)
    where m.month between $first and $month
    group by all
),

alerted as (
    select
        d.region,
        a.month,
        count(*) as alerts,
        count(*) filter (where a.severity = 'critical') as critical_alerts,
        count(distinct a.dealer_id) as flagged_dealers
    from alerts as a
    join stg_dealers as d using (dealer_id)
    where a.month between $first and $month
    group by all
)

select
    activity.*,
    coalesce(alerted.alerts, 0) as alerts,
    coalesce(alerted.critical_alerts, 0) as critical_alerts,
    coalesce(alerted.flagged_dealers, 0) as flagged_dealers
from activity
left join alerted using (region, month)
order by activity.region, activity.month
