-- Grain: one row per dealer, month and style ordered, up to the as-of month ($as_of, first
-- day); returns and lines without a style excluded. Order lines and units: feeds style_shift
-- (how much of a dealer's orders go to the styles its region buys most).
-- Built for the months $since..$as_of, like dealer_month (full build: every month).
with

order_lines as (
    select dealer_id, date_trunc('month', order_date)::date as month, style, quantity
    from stg_orders
    where quantity > 0 and style is not null
        and order_date >= $since::date and order_date < $as_of::date + interval 1 month
)

select dealer_id, month, style, count(*) as lines, sum(quantity)::bigint as units
from order_lines
group by all
order by dealer_id, month, style
