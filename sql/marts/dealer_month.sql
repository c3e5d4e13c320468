-- Grain: one row per dealer and calendar month, from the dealer's first activity (any source)
-- to the as-of month ($as_of, first day of the month), zero-filled. Nothing after $as_of counts.
-- Built for the months $since..$as_of: all of them on a full build; on an incremental one the
-- months a run's new rows touched onwards (the rows before $since are kept as they are).
-- A dealer's calendar starts at its first activity in all of its history, not just since $since.
with

order_lines as (
    select dealer_id, date_trunc('month', order_date)::date as month, order_id, quantity, unit_price
    from stg_orders
    where order_date >= $since::date and order_date < $as_of::date + interval 1 month
),

sales as (
    select dealer_id, month, product_line, revenue, units
    from stg_sales
    where month >= $since::date and month <= $as_of::date
),

complaints as (
    select dealer_id, date_trunc('month', opened_on)::date as month
    from stg_complaints
    where opened_on >= $since::date and opened_on < $as_of::date + interval 1 month
),

quality as (
    select dealer_id, date_trunc('month', reported_on)::date as month
    from stg_quality
    where reported_on >= $since::date and reported_on < $as_of::date + interval 1 month
),

order_months as (
    select
        dealer_id,
        month,
        count(distinct order_id) filter (where quantity > 0) as orders,
        coalesce(sum(quantity) filter (where quantity > 0), 0) as units_ordered,
        coalesce(sum(quantity * unit_price) filter (where quantity > 0), 0) as order_value,
        coalesce(-sum(quantity) filter (where quantity < 0), 0) as units_returned
    from order_lines
    group by all
),

-- Lumpiness of sell-in: the sum over the month's orders of (units in the order)^2. With
-- units_ordered it gives how far a month can swing by chance (see detect/signals.py).
order_lumps as (
    select dealer_id, month, sum(order_units * order_units) as order_units_sq
    from (
        select dealer_id, month, order_id, sum(quantity) as order_units
        from order_lines
        where quantity > 0
        group by all
    )
    group by all
),

-- A whole-dealer row (blank product_line) is the dealer's total; otherwise add the lines up.
sales_months as (
    select
        dealer_id,
        month,
        coalesce(
            max(revenue) filter (where product_line is null),
            sum(revenue) filter (where product_line is not null)
        ) as sales_revenue,
        coalesce(
            max(units) filter (where product_line is null),
            sum(units) filter (where product_line is not null)
        ) as sales_units
    from sales
    group by all
),

complaint_months as (
    select dealer_id, month, count(*) as complaints from complaints group by all
),

quality_months as (
    select dealer_id, month, count(*) as quality_incidents from quality group by all
),

first_activity as (
    select dealer_id, min(month) as first_month
    from (
        select dealer_id, date_trunc('month', min(order_date))::date as month
        from stg_orders
        where order_date < $as_of::date + interval 1 month
        group by all
        union all
        select dealer_id, min(month) from stg_sales where month <= $as_of::date group by all
        union all
        select dealer_id, date_trunc('month', min(opened_on))::date
        from stg_complaints
        where opened_on < $as_of::date + interval 1 month
        group by all
        union all
        select dealer_id, date_trunc('month', min(reported_on))::date
        from stg_quality
        where reported_on < $as_of::date + interval 1 month
        group by all
    )
    group by all
),

calendar as (
    select
        dealer_id,
        unnest(generate_series(
            greatest(first_month, $since::date), $as_of::date, interval 1 month
        ))::date as month
    from first_activity
)

select
    calendar.dealer_id,
    calendar.month,
    coalesce(o.orders, 0) as orders,
    coalesce(o.units_ordered, 0) as units_ordered,
    coalesce(o.order_value, 0) as order_value,
    o.order_value / nullif(o.units_ordered, 0) as avg_unit_price,
    coalesce(o.units_returned, 0) as units_returned,
    coalesce(l.order_units_sq, 0) as order_units_sq,
    coalesce(s.sales_revenue, 0) as sales_revenue,
    coalesce(s.sales_units, 0) as sales_units,
    coalesce(c.complaints, 0) as complaints,
    coalesce(q.quality_incidents, 0) as quality_incidents
from calendar
left join order_months as o using (dealer_id, month)
left join order_lumps as l using (dealer_id, month)
left join sales_months as s using (dealer_id, month)
left join complaint_months as c using (dealer_id, month)
left join quality_months as q using (dealer_id, month)
order by calendar.dealer_id, calendar.month
