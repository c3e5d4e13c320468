-- Grain: one row per dealer_id. A row loaded later replaces an earlier one with the same key
-- (a restatement); within one file the last line wins.
select *
from valid_dealers
qualify row_number() over (partition by dealer_id order by load_id desc, line desc) = 1
