-- Runbook events on the outbox: `runbook.step` (a step began, waits, was answered or decided,
-- ended), `runbook.progress` (its progress or log moved) and `runbook.finished` (a runbook run reached a final status). The live-updates stream
-- sends them to whoever may see the runbook run, so its page and the inbox follow without polling.
DO $$
DECLARE
  current text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO current FROM pg_constraint
   WHERE conrelid = 'airlock.event_outbox'::regclass AND conname = 'event_outbox_type_check';
  IF current IS NULL OR position('''runbook.step''' IN current) > 0 THEN
    RETURN;
  END IF;
  IF position('::text]' IN current) = 0 THEN
    RAISE EXCEPTION 'event_outbox_type_check has an unexpected form: %', current;
  END IF;
  ALTER TABLE airlock.event_outbox DROP CONSTRAINT event_outbox_type_check;
  EXECUTE 'ALTER TABLE airlock.event_outbox ADD CONSTRAINT event_outbox_type_check '
    || replace(current, '::text]', '::text, ''runbook.step''::text, ''runbook.progress''::text, ''runbook.finished''::text]');
END $$;
