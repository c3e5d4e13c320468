-- Every alert of the dealers flagged in $month over the window $first..$month, with its
-- explanation and what followed (alert_outcomes), latest first.
select o.*, a.explanation
from alert_outcomes as o
join alerts as a using (month, dealer_id, indicator)
where o.dealer_id in (select dealer_id from dealer_risk where month = $month)
    and o.month between $first and $month
order by o.dealer_id, o.month desc, o.score desc
