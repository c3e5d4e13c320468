-- Alerts per month and indicator over the window $first..$month.
select month, indicator, count(*) as alerts
from alerts
where month between $first and $month
group by all
order by month, indicator
