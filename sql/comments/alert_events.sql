-- Documentation of the alert_events table.
COMMENT ON TABLE alert_events IS 'Grain: one row per (month, dealer_id, indicator) problem that alerts in the month, or stopped alerting in it (resolved). Derived from alerts by `dealer-warnings notify`, which replaces the month''s rows.';
COMMENT ON COLUMN alert_events.month IS 'the alert month, as its first day';
COMMENT ON COLUMN alert_events.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN alert_events.indicator IS 'what fired (alerts.indicator)';
COMMENT ON COLUMN alert_events.status IS 'new (first month of the problem), escalated (severity rose since last month), ongoing, or resolved (no alert this month after one last month)';
COMMENT ON COLUMN alert_events.severity IS 'warning or critical; for a resolved problem its last severity';
COMMENT ON COLUMN alert_events.previous_severity IS 'severity the month before; null for a new problem';
COMMENT ON COLUMN alert_events.score IS 'the alert''s score, 0 to 10 (for a resolved problem: its last one)';
COMMENT ON COLUMN alert_events.explanation IS 'the alert''s sentence (for a resolved problem: its last one)';
COMMENT ON COLUMN alert_events.opened_month IS 'first month of the problem''s unbroken run of monthly alerts';
