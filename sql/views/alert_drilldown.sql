-- Grain: one row per alert (month, dealer_id, indicator), dimension and part of the dealer's
-- business that was active in the alert month or the 6 months before it: which SKUs, styles,
-- complaint categories or defect types drove the change, and by how much. The contributions
-- of one alert and dimension add up to the dealer's whole change:
--   counts (order_drop, style_shift: units by SKU and by style; complaint_spike,
--   category_spike: complaints by category; quality_spike: incidents by defect type):
--   contribution = the part's value in the alert month - its mean over the 6 months before
--   (zero-filled, over the months the dealer was active), so they add up to the same change of
--   the dealer's total (dealer_month);
--   price_drop, by SKU: contribution = the SKU's share of the month's comparable units x (its
--   price / the median of its last 6 prices at the dealer - 1), so they add up to the
--   like-for-like price index - 1 (alerts.value - 1), as detection's default price_months.
-- Other indicators (sales_drop, service_overdue, sellthrough_gap) have no rows.
with

drilled_dimensions as (
    select * from (values
        ('order_drop', 'sku', 'units'),
        ('order_drop', 'style', 'units'),
        ('style_shift', 'style', 'units'),
        ('complaint_spike', 'complaint_category', 'complaints'),
        ('category_spike', 'complaint_category', 'complaints'),
        ('quality_spike', 'defect_type', 'incidents')
    ) as dimensions (indicator, dimension, unit)
),

-- What dealer_month adds up, part by part: units ordered by SKU and (the same units) by style,
-- complaints opened by category, quality incidents by defect type.
part_months as (
    select dealer_id, month, 'sku' as dimension, sku as part, units::double as amount
    from dealer_sku_month
    union all
    select dealer_id, month, 'style', coalesce(style, '(no style)'), units::double
    from dealer_sku_month
    union all
    select dealer_id, month, 'complaint_category', category, complaints::double
    from dealer_category_month
    union all
    select dealer_id, date_trunc('month', reported_on)::date, 'defect_type', defect_type, 1.0
    from stg_quality
),

-- The baseline's divisor: months the dealer was active in the 6 before the alert month.
alert_windows as (
    select
        alerts.month,
        alerts.dealer_id,
        alerts.indicator,
        count(dealer_month.month) as baseline_months
    from alerts
    left join dealer_month
        on dealer_month.dealer_id = alerts.dealer_id
        and dealer_month.month >= alerts.month - interval 6 month
        and dealer_month.month < alerts.month
    where alerts.indicator in (select indicator from drilled_dimensions)
    group by all
),

count_parts as (
    select
        alert_windows.month,
        alert_windows.dealer_id,
        alert_windows.indicator,
        drilled_dimensions.dimension,
        part_months.part,
        drilled_dimensions.unit,
        coalesce(sum(part_months.amount) filter (where part_months.month = alert_windows.month), 0)
            as value,
        coalesce(sum(part_months.amount) filter (where part_months.month < alert_windows.month), 0)
            / greatest(max(alert_windows.baseline_months), 1) as baseline
    from alert_windows
    join drilled_dimensions using (indicator)
    join part_months
        on part_months.dealer_id = alert_windows.dealer_id
        and part_months.dimension = drilled_dimensions.dimension
        and part_months.month >= alert_windows.month - interval 6 month
        and part_months.month <= alert_windows.month
    group by all
),

-- Each SKU's price against the median of its own last 6 prices at the dealer (the months it
-- bought it), as detection's like-for-like price index does.
sku_prices as (
    select
        dealer_id,
        sku,
        month,
        units,
        order_value / units as unit_price,
        median(order_value / units) over (
            partition by dealer_id, sku order by month rows between 6 preceding and 1 preceding
        ) as reference_price
    from dealer_sku_month
    where dealer_id in (select dealer_id from alerts where indicator = 'price_drop')
),

comparable_prices as (
    select
        alerts.month,
        alerts.dealer_id,
        alerts.indicator,
        sku_prices.sku,
        sku_prices.unit_price,
        sku_prices.reference_price,
        sku_prices.units / sum(sku_prices.units) over (
            partition by alerts.month, alerts.dealer_id
        ) as weight
    from alerts
    join sku_prices
        on sku_prices.dealer_id = alerts.dealer_id and sku_prices.month = alerts.month
    where alerts.indicator = 'price_drop' and sku_prices.reference_price is not null
),

parts as (
    select
        month, dealer_id, indicator, dimension, part, unit, value, baseline,
        value - baseline as contribution
    from count_parts
    union all
    select
        month, dealer_id, indicator, 'sku', sku, 'price index', unit_price, reference_price,
        weight * (unit_price / reference_price - 1)
    from comparable_prices
)

select
    month,
    dealer_id,
    indicator,
    dimension,
    part,
    unit,
    value,
    baseline,
    contribution,
    contribution / nullif(
        sum(contribution) over (partition by month, dealer_id, indicator, dimension), 0
    ) as share_of_change,
    row_number() over (
        partition by month, dealer_id, indicator, dimension
        order by
            case when indicator like '%spike' then -contribution else contribution end,
            part
    ) as rank
from parts
