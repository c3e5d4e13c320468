-- Grain: one row per alert (month, dealer_id, indicator): what happened to the dealer afterwards.
-- went_dormant: a run of 3+ months without orders within the 6 months after the alert month.
-- Outcomes the data cannot tell yet are null: dealer_month (rebuilt up to the last run's as-of
-- month) must cover the 6 months, and a run that alerts must have reached the next month.
with

alert_rows as (
    select month, dealer_id, indicator, severity, score from alerts
),

-- A month that starts 3 months in a row without an order (a dormant spell).
dormant_starts as (
    select dealer_id, month
    from (
        select
            dealer_id,
            month,
            max(orders) over next_three as most_orders,
            count(*) over next_three as months_seen
        from dealer_month
        window next_three as (partition by dealer_id order by month rows between current row and 2 following)
    )
    where most_orders = 0 and months_seen = 3
),

followed as (
    select a.month, a.dealer_id, a.indicator, count(m.month) as months_followed
    from alert_rows as a
    left join dealer_month as m
        on m.dealer_id = a.dealer_id
        and m.month > a.month
        and m.month <= a.month + interval 6 month
    group by all
),

dormant as (
    select a.month, a.dealer_id, a.indicator, min(s.month) as dormant_from
    from alert_rows as a
    join dormant_starts as s
        on s.dealer_id = a.dealer_id
        and s.month > a.month
        and s.month <= a.month + interval 4 month  -- the 3 quiet months end by month +6
    group by all
),

computed as (
    select max(as_of) as last_computed_month from runs  -- as_of: the last month a run alerted on
)

select
    a.month,
    a.dealer_id,
    d.dealer_name,
    d.region,
    d.tier,
    a.indicator,
    a.severity,
    a.score,
    f.months_followed,
    dormant.dormant_from,
    case
        when dormant.dormant_from is not null then true
        when f.months_followed >= 6 then false
    end as went_dormant,
    case
        when again.month is not null then true
        when a.month < computed.last_computed_month then false
    end as fired_again_next_month
from alert_rows as a
join followed as f using (month, dealer_id, indicator)
left join dormant using (month, dealer_id, indicator)
left join stg_dealers as d on d.dealer_id = a.dealer_id
left join alerts as again
    on again.dealer_id = a.dealer_id
    and again.indicator = a.indicator
    and again.month = a.month + interval 1 month
cross join computed
order by a.month, a.dealer_id, a.indicator
