-- Grain: one row per dealer, month (reported), SKU (null = the report names none) and defect
-- type with at least one quality incident, up to the as-of month ($as_of, first day). Feeds
-- quality_spike's cluster test: incidents of one faulty batch share one SKU and one defect.
-- Built for the months $since..$as_of, like dealer_month (full build: every month).
with

incidents as (
    select dealer_id, date_trunc('month', reported_on)::date as month, sku, defect_type
    from stg_quality
    where reported_on >= $since::date and reported_on < $as_of::date + interval 1 month
)

select dealer_id, month, sku, defect_type, count(*) as incidents
from incidents
group by all
order by dealer_id, month, sku, defect_type
