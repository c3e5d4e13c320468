-- Grain: one row per incident_id. A row loaded later replaces an earlier one with the same key
-- (a restatement); within one file the last line wins.
select *
from valid_quality
qualify row_number() over (partition by incident_id order by load_id desc, line desc) = 1
