-- The first month touched by the rows loaded after run $built_by (the last run that built the
-- marts): their own dates, and the dates of the earlier rows they restate (an order's earlier
-- lines, a complaint or incident with the same id; a sales row restates the same month).
-- NULL when nothing was loaded since.
with

new_orders as (select order_id, order_date from valid_orders where run_id > $built_by),
new_complaints as (select complaint_id, opened_on from valid_complaints where run_id > $built_by),
new_quality as (select incident_id, reported_on from valid_quality where run_id > $built_by),

touched as (
    select order_date as day from new_orders
    union all
    select order_date from valid_orders semi join new_orders using (order_id)
    where valid_orders.run_id <= $built_by
    union all
    select month from valid_sales where run_id > $built_by
    union all
    select opened_on from new_complaints
    union all
    select opened_on from valid_complaints semi join new_complaints using (complaint_id)
    where valid_complaints.run_id <= $built_by
    union all
    select reported_on from new_quality
    union all
    select reported_on from valid_quality semi join new_quality using (incident_id)
    where valid_quality.run_id <= $built_by
)

select date_trunc('month', min(day))::date from touched
