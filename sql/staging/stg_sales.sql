-- Grain: one row per dealer_id, month and product_line (blank product_line = the whole dealer).
-- A row loaded later replaces an earlier one with the same key (a restatement).
select *
from valid_sales
qualify row_number() over (
    partition by dealer_id, month, coalesce(product_line, '')
    order by load_id desc, line desc
) = 1
