-- Grain: one row per dealer, month (opened) and complaint category with at least one
-- complaint, up to the as-of month ($as_of, first day). Feeds category_spike: each category
-- against the dealer's own rate and its peers'.
-- Built for the months $since..$as_of, like dealer_month (full build: every month).
with

complaints as (
    select dealer_id, date_trunc('month', opened_on)::date as month, category
    from stg_complaints
    where opened_on >= $since::date and opened_on < $as_of::date + interval 1 month
)

select dealer_id, month, category, count(*) as complaints
from complaints
group by all
order by dealer_id, month, category
