-- Every documented table and view with its comment, and each of its columns with type and
-- comment, in column order: what `dealer-warnings schema` prints.
with

objects as (
    select table_name as name, 'table' as kind, comment
    from duckdb_tables()
    where database_name = current_database() and comment is not null
    union all
    select view_name, 'view', comment
    from duckdb_views()
    where database_name = current_database() and comment is not null
)

select
    objects.name,
    objects.kind,
    objects.comment,
    columns.column_name,
    columns.data_type,
    columns.comment as column_comment
from objects
join duckdb_columns() as columns
    on columns.table_name = objects.name and columns.database_name = current_database()
order by objects.name, columns.column_index
