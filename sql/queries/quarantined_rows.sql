-- The quarantined rows the `quarantine` command lists: newest load first, in file order.
-- $file: one input file name, or null for every file; $limit: rows to return.
-- total: how many rows match, whatever the limit.
select
    file_name,
    line,
    column_name,
    value,
    reason,
    count(*) over () as total
from quarantine
where $file is null or file_name = $file
order by load_id desc, line
limit $limit
