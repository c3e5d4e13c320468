-- Grain: one row per (month, dealer_id) with alerts, ranked: what a channel manager reads.
-- explanation joins the dealer's alert sentences, worst first.
with

risk as (select * from dealer_risk),

dealers as (select dealer_id, dealer_name, region, tier, manager_name, manager_email from stg_dealers),

sentences as (
    select month, dealer_id, string_agg(explanation, ' ' order by score desc) as explanation
    from alerts
    group by all
)

select
    risk.month,
    risk.rank,
    risk.dealer_id,
    dealers.dealer_name,
    dealers.region,
    dealers.tier,
    dealers.manager_name,
    dealers.manager_email,
    risk.risk_score,
    risk.reasons,
    sentences.explanation
from risk
left join dealers using (dealer_id)
left join sentences using (month, dealer_id)
order by risk.month, risk.rank
