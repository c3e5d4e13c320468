-- Grain: one row per order line. An order is restated as a whole: when a later run loads an
-- order_id again, only that run's lines of the order count. Within one run every line counts,
-- even when the lines of one order are spread over several files or repeat a SKU.
select *
from valid_orders
qualify run_id = max(run_id) over (partition by order_id)
