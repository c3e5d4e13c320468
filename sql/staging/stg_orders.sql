-- Grain: one row per order line. An order is restated as a whole: when a later run loads an
-- order_id again, only that run's lines of the order count. Within one run every line counts,
-- even when the lines of one order are spread over several files or repeat a SKU.
with

-- Orders loaded by more than one run (few), and the run whose lines count. An aggregate and an
-- anti join against this short list cost far less than a window over every order line.
restated_orders as (
    select order_id, max(run_id) as latest_run_id
    from valid_orders
    group by order_id
    having min(run_id) < max(run_id)
)

select *
from valid_orders
anti join restated_orders
    on valid_orders.order_id = restated_orders.order_id
    and valid_orders.run_id < restated_orders.latest_run_id
