-- An approval request gates a subject: a run today; a runbook step, a bulk batch or an access
-- change later. `subject_kind` names the kind (registered per Airlock instance, see
-- src/approval/approval-subject.ts), `subject_id` the gated thing. Existing requests all gate
-- runs. `run_id` stays for run subjects (the inbox and the run's page join on it) and is empty for
-- every other kind.
ALTER TABLE airlock.approval_requests ADD COLUMN subject_kind text, ADD COLUMN subject_id text;
UPDATE airlock.approval_requests SET subject_kind = 'run', subject_id = run_id;
ALTER TABLE airlock.approval_requests
  ALTER COLUMN subject_kind SET NOT NULL,
  ALTER COLUMN subject_id SET NOT NULL,
  ALTER COLUMN run_id DROP NOT NULL,
  -- One request per subject, as one per run before: a subject asking again is a new subject.
  ADD CONSTRAINT approval_requests_subject_key UNIQUE (subject_kind, subject_id),
  ADD CONSTRAINT approval_requests_run_subject_check
    CHECK (subject_kind <> 'run' OR (run_id IS NOT NULL AND run_id = subject_id));

-- Events (src/events/): written by the code that makes the change, in its transaction (the run
-- lifecycle, approval requests and decisions), no longer by triggers, so one module owns each
-- event as it owns the change.
DROP TRIGGER approval_requested_event ON airlock.approval_requests;
DROP TRIGGER approval_decided_event ON airlock.approval_requests;
DROP TRIGGER run_failed_event ON airlock.runs;
DROP FUNCTION airlock.outbox_approval_requested();
DROP FUNCTION airlock.outbox_approval_decided();
DROP FUNCTION airlock.outbox_run_failed();

-- Delivery moves from "one delivery per event" to a cursor per consumer: every consumer (a
-- notifier, a webhook sender, a wake-up) reads the same events in order and remembers how far it
-- got. An event row is never changed after its insert.
DROP INDEX airlock.event_outbox_due_idx;
ALTER TABLE airlock.event_outbox
  DROP COLUMN available_at,
  DROP COLUMN attempts,
  DROP COLUMN last_error,
  DROP COLUMN delivered_at,
  DROP CONSTRAINT event_outbox_type_check,
  ADD CONSTRAINT event_outbox_type_check CHECK (type IN (
    'run.finished', 'run.failed', 'approval.requested', 'approval.decided',
    'runbook.waiting', 'bulk.progress')),
  -- The writing transaction's id. Identity values are taken in insert order but committed in
  -- commit order, so a cursor on `id` alone would skip an event whose transaction committed
  -- after a later id was read. Consumers read in (xid, id) order and only events of transactions
  -- older than every transaction still running (the snapshot's xmin): nothing can appear behind
  -- their cursor.
  ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX event_outbox_order_idx ON airlock.event_outbox (xid, id);
REVOKE UPDATE ON airlock.event_outbox FROM airlock_app;

-- Each consumer's cursor: the last event it was given (at least once: a crash before the cursor
-- moves gives the events again). A failing consumer waits (retry_at, with backoff) and retries
-- the same event, so its order holds; after 10 failures that event is skipped and logged.
CREATE TABLE airlock.event_consumers (
  name text PRIMARY KEY,
  last_xid xid8 NOT NULL DEFAULT '0',
  last_event_id bigint NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  retry_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
REVOKE DELETE ON airlock.event_consumers FROM airlock_app;
