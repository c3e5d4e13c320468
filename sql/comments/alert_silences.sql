-- Documentation of the alert_silences table.
COMMENT ON TABLE alert_silences IS 'Grain: one row per `dealer-warnings ack` or `snooze`. While active it holds back repeats of a dealer''s indicator; resolutions and anything worse than its severity still go out.';
COMMENT ON COLUMN alert_silences.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN alert_silences.indicator IS 'the indicator it silences';
COMMENT ON COLUMN alert_silences.kind IS 'ack (the problem open at the time, until it resolves) or snooze (the dealer and indicator, until `until`)';
COMMENT ON COLUMN alert_silences.severity IS 'the severity it was given at; a worse alert breaks through';
COMMENT ON COLUMN alert_silences.opened_month IS 'ack: first month of the acknowledged problem; null for a snooze';
COMMENT ON COLUMN alert_silences.until IS 'first day it no longer holds (run date + --days); null = no end date';
COMMENT ON COLUMN alert_silences.note IS 'why, as given with --note';
COMMENT ON COLUMN alert_silences.created_at IS 'when it was recorded, timestamp';
