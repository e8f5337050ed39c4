-- Break-glass: a person takes a workspace-defined emergency role for a bounded time (at most 4
-- hours) with a reason. It takes effect at once (no approval: that is the point), every admin is
-- told, and it ends by itself at `ends_at` (or earlier by hand). Each elevation is a mandatory
-- post-review task a second person completes. Rows are never deleted.
CREATE TABLE airlock.break_glass (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES airlock.users (id),
  role text NOT NULL,
  reason text NOT NULL,
  request_id text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  ends_at timestamptz NOT NULL,
  ended_at timestamptz,
  ended_by text REFERENCES airlock.users (id),
  review_status text NOT NULL DEFAULT 'pending' CHECK (review_status IN ('pending', 'done')),
  reviewed_by text REFERENCES airlock.users (id),
  reviewed_at timestamptz,
  review_note text,
  CHECK (ends_at > started_at AND ends_at <= started_at + interval '4 hours'),
  CHECK (reviewed_by IS NULL OR reviewed_by <> user_id)
);
-- One elevation at a time per person.
CREATE UNIQUE INDEX break_glass_open_idx ON airlock.break_glass (user_id) WHERE ended_at IS NULL;
CREATE INDEX break_glass_review_idx ON airlock.break_glass (review_status, started_at DESC);
REVOKE DELETE ON airlock.break_glass FROM airlock_app;

-- `breakglass.started` tells the admins (email), through src/governance/break-glass-alerts.ts.
DO $$
DECLARE
  current text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO current FROM pg_constraint
   WHERE conrelid = 'airlock.event_outbox'::regclass AND conname = 'event_outbox_type_check';
  IF current IS NULL OR position('''breakglass.started''' IN current) > 0 THEN
    RETURN;
  END IF;
  IF position('::text]' IN current) = 0 THEN
    RAISE EXCEPTION 'event_outbox_type_check has an unexpected form: %', current;
  END IF;
  ALTER TABLE airlock.event_outbox DROP CONSTRAINT event_outbox_type_check;
  EXECUTE 'ALTER TABLE airlock.event_outbox ADD CONSTRAINT event_outbox_type_check '
    || replace(current, '::text]', '::text, ''breakglass.started''::text]');
END $$;
