-- Grain: one row per dealer, month (opened) and complaint category with at least one complaint.
-- Which kinds of end-customer complaints a dealer gets, how severe, and how fast they close.
with

complaints as (
    select
        dealer_id,
        date_trunc('month', opened_on)::date as month,
        category,
        severity,
        closed_on - opened_on as days_to_close
    from stg_complaints
)

select
    dealer_id,
    month,
    category,
    count(*) as complaints,
    count(*) filter (where severity = 'high') as high_severity,
    count(*) filter (where days_to_close is null) as still_open,
    median(days_to_close) as median_days_to_close,
    count(*) / sum(count(*)) over (partition by dealer_id, month) as share_of_month
from complaints
group by dealer_id, month, category
order by dealer_id, month, category
