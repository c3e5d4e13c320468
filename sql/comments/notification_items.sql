-- Documentation of the notification_items table.
COMMENT ON TABLE notification_items IS 'Grain: one row per alert event a digest announced: what has been told, so the next run tells only what changed.';
COMMENT ON COLUMN notification_items.notification_id IS 'the e-mail (notifications.notification_id)';
COMMENT ON COLUMN notification_items.month IS 'the alert month, as its first day';
COMMENT ON COLUMN notification_items.dealer_id IS 'dealer (stg_dealers.dealer_id)';
COMMENT ON COLUMN notification_items.indicator IS 'the indicator (alerts.indicator)';
COMMENT ON COLUMN notification_items.change IS 'new, escalated, ongoing or resolved, as announced';
COMMENT ON COLUMN notification_items.severity IS 'warning or critical, as announced';
