-- Runs and idempotency keys. Status changes only by compare-and-set UPDATEs issued from
-- src/control/run-store.ts, following the table in src/control/run-status.ts.
CREATE TABLE airlock.runs (
  id text PRIMARY KEY,
  action text NOT NULL,
  action_version text NOT NULL,
  status text NOT NULL CHECK (status IN (
    'pending_approval', 'approved', 'queued', 'running',
    'succeeded', 'failed', 'rejected', 'expired', 'cancelled')),
  actor_id text NOT NULL REFERENCES airlock.users (id),
  on_behalf_of text,
  channel text NOT NULL,
  target_type text,
  target_id text,
  -- The validated parameters, as needed to execute an approved run. The API and the audit only
  -- ever show them masked; raw values stay in this column.
  params jsonb NOT NULL,
  params_hash text NOT NULL,
  reason text,
  result jsonb,
  error_code text,
  error_message text,
  request_id text NOT NULL,
  parent_request_id text,
  idempotency_key text,
  attempt integer NOT NULL DEFAULT 0,
  snapshot_before jsonb,
  snapshot_after jsonb,
  authorized_by jsonb,
  approval_request_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  queued_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_created_idx ON airlock.runs (created_at DESC, id DESC);
CREATE INDEX runs_actor_idx ON airlock.runs (actor_id, created_at DESC);
CREATE INDEX runs_action_idx ON airlock.runs (action, created_at DESC);
CREATE INDEX runs_target_idx ON airlock.runs (target_type, target_id, created_at DESC);
CREATE INDEX runs_request_idx ON airlock.runs (request_id);
CREATE INDEX runs_active_idx ON airlock.runs (status) WHERE status IN ('queued', 'running', 'approved', 'pending_approval');

-- Stripe-style idempotency keys, scoped to the actor. The run is the stored response: a replay
-- answers from the run's current state.
CREATE TABLE airlock.idempotency_keys (
  actor_id text NOT NULL,
  key text NOT NULL,
  action text NOT NULL,
  params_hash text NOT NULL,
  run_id text NOT NULL REFERENCES airlock.runs (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (actor_id, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON airlock.idempotency_keys (expires_at);
