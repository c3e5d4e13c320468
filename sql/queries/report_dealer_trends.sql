-- One row per dealer flagged in $month and month of the window $first..$month: the dealer's
-- measures next to its peer band. The band is its region and tier when that group had at least
-- $min_peer_group dealers that month, else its whole region (as detection compares). Unit counts
-- are cast to BIGINT: the mart's HUGEINT reaches Python as a Decimal that divides as integers.
with

flagged as (
    select d.dealer_id, d.region, d.tier
    from dealer_risk as r
    join stg_dealers as d using (dealer_id)
    where r.month = $month
),

peers as (
    select flagged.dealer_id, p.*
    from flagged
    join peer_benchmarks as p
        on p.region = flagged.region and (p.tier = flagged.tier or p.tier is null)
    where p.month between $first and $month
    qualify row_number() over (
        partition by flagged.dealer_id, p.month
        order by (p.tier is not null and p.dealers >= $min_peer_group) desc
    ) = 1
)

select
    m.dealer_id,
    m.month,
    m.units_ordered::bigint as units_ordered,
    m.avg_unit_price,
    m.sales_revenue,
    m.complaints,
    peers.region || coalesce(' / ' || peers.tier, '') as peer_group,
    peers.* exclude (dealer_id, month, region, tier, dealers)
from dealer_month as m
join peers using (dealer_id, month)
order by m.dealer_id, m.month
