-- Documentation of the dealer_case_month mart (rebuilt by every run, so applied again after it).
COMMENT ON TABLE dealer_case_month IS 'Grain: one row per complaint (service case) and month end at which it was open, up to the as-of month of the last run. Open = opened by the month''s last day and not closed by then (a case closed later counts as open at that time). What service_overdue counts.';
COMMENT ON COLUMN dealer_case_month.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN dealer_case_month.month IS 'the month at whose last day the case was open, as its first day';
COMMENT ON COLUMN dealer_case_month.complaint_id IS 'the case (stg_complaints.complaint_id)';
COMMENT ON COLUMN dealer_case_month.category IS 'complaint category';
COMMENT ON COLUMN dealer_case_month.severity IS 'low, medium or high; null when the export has none';
COMMENT ON COLUMN dealer_case_month.opened_on IS 'date the case was opened';
COMMENT ON COLUMN dealer_case_month.age_days IS 'days from opening to the month''s last day, days';
