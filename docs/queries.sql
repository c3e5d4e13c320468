-- Ten questions analysts ask the warehouse, each a query to paste into `duckdb -readonly
-- data/warehouse.published.duckdb` (the copy every run publishes; open it, not the warehouse a
-- run writes to). "This month" is the latest month with alerts. `dealer-warnings schema` says
-- what every column means. tests/test_queries.py runs each against the demo warehouse.

-- 1. Who should we call this month, and why?
select rank, dealer_id, dealer_name, region, manager_name, round(risk_score, 1) as risk, reasons, explanation
from ranked_alerts
where month = (select max(month) from dealer_risk)
order by rank
limit 10;

-- 2. What did the top dealer of this month do over the last 13 months, next to its alerts?
select m.month, m.orders, m.units_ordered, round(m.avg_unit_price, 2) as avg_price,
       round(m.sales_revenue) as sell_out, m.complaints, m.quality_incidents,
       string_agg(a.indicator, ', ') as alerts
from dealer_month as m
left join alerts as a using (dealer_id, month)
where m.dealer_id = (select dealer_id from dealer_risk order by month desc, rank limit 1)
group by all
order by m.month desc
limit 13;

-- 3. Where does each flagged dealer stand against its region's peers this month?
select r.rank, r.dealer_id, r.region,
       m.units_ordered, round(p.units_ordered_p10) as peer_p10, round(p.units_ordered_p50) as peer_p50,
       round(p.units_ordered_p90) as peer_p90,
       round(m.avg_unit_price, 2) as avg_price, round(p.avg_unit_price_p50, 2) as peer_median_price,
       m.complaints, round(p.complaints_p90, 1) as peer_complaints_p90
from ranked_alerts as r
join dealer_month as m using (dealer_id, month)
join peer_benchmarks as p on p.month = r.month and p.region = r.region and p.tier is null
where r.month = (select max(month) from dealer_risk)
order by r.rank;

-- 4. What drove this month's alerts: per alert, the SKU, style or category that moved most?
select d.dealer_id, d.indicator, d.dimension, d.part, d.unit,
       round(d.value, 2) as now, round(d.baseline, 2) as before,
       round(d.contribution, 3) as contribution, round(100 * d.share_of_change) as pct_of_change
from alert_drilldown as d
where d.month = (select max(month) from dealer_risk) and d.rank = 1
order by d.dealer_id, d.indicator, d.dimension;

-- 5. Which complaint categories are rising, per region: the last 3 months against the 12 before?
with last_month as (select max(month) as month from dealer_risk)
select d.region, c.category,
       sum(c.complaints) filter (where c.month > l.month - interval 3 month) as last_3_months,
       round(sum(c.complaints) filter (where c.month <= l.month - interval 3 month) / 4, 1) as usual_3_months,
       sum(c.high_severity) filter (where c.month > l.month - interval 3 month) as high_severity_last_3
from complaints_by_category as c
join stg_dealers as d using (dealer_id)
cross join last_month as l
where c.month > l.month - interval 15 month and c.month <= l.month
group by all
order by last_3_months - usual_3_months desc nulls last
limit 15;

-- 6. How did past alerts turn out, per indicator?
select indicator,
       count(*) as alerts,
       count(*) filter (where went_dormant) as went_dormant,
       count(*) filter (where went_dormant is null) as dormancy_not_known_yet,
       count(*) filter (where fired_again_next_month) as fired_again_next_month,
       count(*) filter (where fired_again_next_month is not null) as next_month_known
from alert_outcomes
group by indicator
order by alerts desc;

-- 7. Alerts per region and indicator over the last 12 months
select d.region, a.indicator, count(*) as alerts, count(*) filter (where a.severity = 'critical') as critical
from alerts as a
join stg_dealers as d using (dealer_id)
where a.month > (select max(month) from alerts) - interval 12 month
group by all
order by d.region, alerts desc;

-- 8. Which managers have the most flagged dealers over the last 3 months?
select manager_name, manager_email,
       count(distinct dealer_id) as flagged_dealers,
       count(*) as flagged_dealer_months,
       round(max(risk_score), 1) as highest_risk
from ranked_alerts
where month > (select max(month) from dealer_risk) - interval 3 month
group by all
order by flagged_dealers desc, highest_risk desc;

-- 9. Who is building stock: units bought (sell-in) against units sold (sell-out) over the last 6 months?
select m.dealer_id, d.dealer_name, d.region,
       sum(m.units_ordered) as units_ordered,
       sum(m.units_returned) as units_returned,
       sum(m.sales_units) as units_sold,
       round(sum(m.units_ordered - m.units_returned) / nullif(sum(m.sales_units), 0), 2) as bought_per_sold
from dealer_month as m
join stg_dealers as d using (dealer_id)
where m.month > (select max(month) from dealer_month) - interval 6 month
group by all
having sum(m.sales_units) > 0
order by bought_per_sold desc
limit 15;

-- 10. What did the last load bring: files, rows loaded and quarantined, and the most common problem?
with problems as (
    select load_id, mode(reason) as most_common_reason from quarantine group by load_id
)
select l.file_name, l.source, l.status, l.rows_read, l.rows_loaded, l.rows_quarantined, l.rows_replaced,
       coalesce(p.most_common_reason, l.message) as problem
from loads as l
left join problems as p using (load_id)
where l.run_id = (select max(run_id) from loads)
order by l.rows_quarantined desc, l.file_name;
