-- Bulk batches (src/bulk/): one governed decision over many items. A batch holds its item set as
-- previewed (each item's parameters, frozen), the hash over that set that its approval binds to,
-- and where each item stands. Each item becomes its own run (airlock.runs) with an idempotency key
-- derived from (batch, item), so a crash and resume never applies an item twice.
CREATE TABLE airlock.bulk_batches (
  id text PRIMARY KEY,
  action text NOT NULL,
  action_version text NOT NULL,
  status text NOT NULL CHECK (status IN (
    'pending_approval', 'running', 'paused', 'succeeded', 'failed', 'stopped', 'cancelled',
    'rejected', 'expired')),
  requester_id text NOT NULL REFERENCES airlock.users (id),
  -- The client's key: the same key from the same person is the same batch.
  idempotency_key text,
  item_set_hash text NOT NULL,
  item_count int NOT NULL,
  totals jsonb NOT NULL,
  reason text,
  approval_request_id text REFERENCES airlock.approval_requests (id),
  -- The batch whose failed items this one retries.
  retry_of text REFERENCES airlock.bulk_batches (id),
  concurrency int NOT NULL,
  -- Resumes start a new workflow: its id is the batch's id and this generation.
  generation int NOT NULL DEFAULT 0,
  stop_reason text,
  request_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  UNIQUE (requester_id, idempotency_key)
);
CREATE INDEX bulk_batches_created_idx ON airlock.bulk_batches (created_at DESC, id DESC);

CREATE TABLE airlock.bulk_items (
  batch_id text NOT NULL REFERENCES airlock.bulk_batches (id),
  position int NOT NULL,
  params jsonb NOT NULL,
  params_hash text NOT NULL,
  target_id text,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'skipped')),
  run_id text REFERENCES airlock.runs (id),
  error_code text,
  error_message text,
  finished_at timestamptz,
  PRIMARY KEY (batch_id, position)
);
-- The runner takes pending items in order; the status page counts by status.
CREATE INDEX bulk_items_status_idx ON airlock.bulk_items (batch_id, status, position);

GRANT SELECT, INSERT, UPDATE ON airlock.bulk_batches, airlock.bulk_items TO airlock_app;
