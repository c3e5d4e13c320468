-- Grain: one row per dealer, SKU and month with ordered units (returns excluded), up to $as_of.
-- Feeds the like-for-like price index: each SKU against its own recent price at that dealer.
-- Built for the months $since..$as_of, like dealer_month (full build: every month).
select
    dealer_id,
    sku,
    date_trunc('month', order_date)::date as month,
    any_value(style) as style,
    sum(quantity) as units,
    sum(quantity * unit_price) as order_value
from stg_orders
where quantity > 0 and order_date >= $since::date and order_date < $as_of::date + interval 1 month
group by all
order by dealer_id, sku, month
