-- What drove each alert of the dealers flagged in $month (alert_drilldown), by alert and
-- dimension, the parts that moved most first.
select *
from alert_drilldown
where month = $month and dealer_id in (select dealer_id from dealer_risk where month = $month)
order by dealer_id, indicator, dimension, rank
