-- Grain: one row per month and peer group: a region and tier, and the whole region (tier null).
-- The p10 / p50 / p90 of each measure over the group's dealers that month (zero-filled months
-- count: a dealer that ordered nothing is a peer at 0). Detection compares a dealer with its
-- region and tier when that group has enough dealers, else with its region: `dealers` says which.
with

dealer_months as (
    select m.month, d.region, d.tier, m.units_ordered, m.avg_unit_price, m.sales_revenue, m.complaints
    from dealer_month as m
    join stg_dealers as d using (dealer_id)
)

select
    month,
    region,
    tier,
    count(*) as dealers,
    quantile_cont(units_ordered, 0.1) as units_ordered_p10,
    quantile_cont(units_ordered, 0.5) as units_ordered_p50,
    quantile_cont(units_ordered, 0.9) as units_ordered_p90,
    quantile_cont(avg_unit_price, 0.1) as avg_unit_price_p10,
    quantile_cont(avg_unit_price, 0.5) as avg_unit_price_p50,
    quantile_cont(avg_unit_price, 0.9) as avg_unit_price_p90,
    quantile_cont(sales_revenue, 0.1) as sales_revenue_p10,
    quantile_cont(sales_revenue, 0.5) as sales_revenue_p50,
    quantile_cont(sales_revenue, 0.9) as sales_revenue_p90,
    quantile_cont(complaints, 0.1) as complaints_p10,
    quantile_cont(complaints, 0.5) as complaints_p50,
    quantile_cont(complaints, 0.9) as complaints_p90
from dealer_months
group by grouping sets ((month, region, tier), (month, region))
order by month, region, tier nulls first
