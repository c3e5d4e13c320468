-- Documentation of the notifications table.
COMMENT ON TABLE notifications IS 'Grain: one row per e-mail (the outbox). Recorded whole as pending when decided, then sent or failed; pending and failed ones are retried on the next run, a sent one never again.';
COMMENT ON COLUMN notifications.notification_id IS 'idempotency key: recipient, month and what the e-mail tells (digest) or the day (summary)';
COMMENT ON COLUMN notifications.kind IS 'digest (a recipient''s alert changes) or summary (the director''s daily top dealers)';
COMMENT ON COLUMN notifications.recipient IS 'e-mail address';
COMMENT ON COLUMN notifications.language IS 'en, zh or es, from the routing file';
COMMENT ON COLUMN notifications.month IS 'the alert month it is about, as its first day';
COMMENT ON COLUMN notifications.run_date IS 'the date of the run that decided it';
COMMENT ON COLUMN notifications.subject IS 'the Subject header';
COMMENT ON COLUMN notifications.message_id IS 'the Message-ID header, derived from notification_id: a receiver can drop a duplicate';
COMMENT ON COLUMN notifications.message IS 'the whole RFC 5322 message, bytes as sent';
COMMENT ON COLUMN notifications.status IS 'pending (not delivered yet), sent, or failed (the server refused it; retried)';
COMMENT ON COLUMN notifications.attempts IS 'delivery attempts so far';
COMMENT ON COLUMN notifications.last_error IS 'why the last attempt did not deliver; null once sent';
COMMENT ON COLUMN notifications.delivered_to IS 'smtp://host:port, or the .eml file written to the outbox folder';
COMMENT ON COLUMN notifications.created_at IS 'when it was decided, timestamp';
COMMENT ON COLUMN notifications.sent_at IS 'when it was delivered, timestamp; null until then';
