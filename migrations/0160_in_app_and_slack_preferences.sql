-- Two more ways a person is told, each with its own switch per event type: in the console (a row
-- of channel `in_app`, shown in the header's notifications list until read) and as a Slack direct
-- message to the Slack account they linked (a row of channel `slack` addressed to their Slack user
-- id, delivered by the engine like an email). Preferences and group defaults name all three.
ALTER TABLE airlock.notifications DROP CONSTRAINT notifications_channel_check;
ALTER TABLE airlock.notifications
  ADD CONSTRAINT notifications_channel_check CHECK (channel IN ('email', 'slack', 'webhook', 'in_app'));
-- When the person marked an in-app notification read (null: unread).
ALTER TABLE airlock.notifications ADD COLUMN read_at timestamptz;
-- A person's notifications list, newest first.
CREATE INDEX notifications_in_app_idx ON airlock.notifications (recipient_id, created_at DESC)
  WHERE channel = 'in_app';

ALTER TABLE airlock.notification_preferences DROP CONSTRAINT notification_preferences_channel_check;
ALTER TABLE airlock.notification_preferences
  ADD CONSTRAINT notification_preferences_channel_check CHECK (channel IN ('in_app', 'email', 'slack'));
ALTER TABLE airlock.group_notification_defaults DROP CONSTRAINT group_notification_defaults_channel_check;
ALTER TABLE airlock.group_notification_defaults
  ADD CONSTRAINT group_notification_defaults_channel_check CHECK (channel IN ('in_app', 'email', 'slack'));

-- `notification.created` tells the person's open consoles (the events stream) that their
-- notifications list changed; only they receive it (src/notify/live-feed.ts).
DO $$
DECLARE
  current text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO current FROM pg_constraint
   WHERE conrelid = 'airlock.event_outbox'::regclass AND conname = 'event_outbox_type_check';
  IF current IS NULL OR position('''notification.created''' IN current) > 0 THEN
    RETURN;
  END IF;
  IF position('::text]' IN current) = 0 THEN
    RAISE EXCEPTION 'event_outbox_type_check has an unexpected form: %', current;
  END IF;
  ALTER TABLE airlock.event_outbox DROP CONSTRAINT event_outbox_type_check;
  EXECUTE 'ALTER TABLE airlock.event_outbox ADD CONSTRAINT event_outbox_type_check '
    || replace(current, '::text]', '::text, ''notification.created''::text]');
END $$;
