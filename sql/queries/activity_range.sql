-- First and last month with any loaded activity, across all sources.
select min(month), max(month)
from (
    select date_trunc('month', order_date)::date as month from stg_orders
    union all select month from stg_sales
    union all select date_trunc('month', opened_on)::date from stg_complaints
    union all select date_trunc('month', reported_on)::date from stg_quality
)
