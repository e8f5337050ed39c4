-- Approval requests: a run held for review, bound to the stored parameters by their hash.
CREATE TABLE airlock.approval_requests (
  id text PRIMARY KEY,
  run_id text NOT NULL UNIQUE REFERENCES airlock.runs (id),
  action text NOT NULL,
  action_version text NOT NULL,
  requester_id text NOT NULL REFERENCES airlock.users (id),
  params_hash text NOT NULL,
  reason text,
  -- The policies that demanded approval, as evaluated at request time:
  -- [{ name, reviewers: { groups, users }, quorum, because }]
  policies jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'expired')),
  expires_at timestamptz NOT NULL,
  request_id text NOT NULL,
  execution_request_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz
);
CREATE INDEX approval_requests_pending_idx ON airlock.approval_requests (expires_at) WHERE status = 'pending';
CREATE INDEX approval_requests_requester_idx ON airlock.approval_requests (requester_id, created_at DESC);

-- One decision per reviewer per request; decisions are final (no UPDATE path in the code).
CREATE TABLE airlock.approval_decisions (
  approval_request_id text NOT NULL REFERENCES airlock.approval_requests (id),
  reviewer_id text NOT NULL REFERENCES airlock.users (id),
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  reason text,
  channel text NOT NULL,
  request_id text NOT NULL,
  decided_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (approval_request_id, reviewer_id)
);

-- An approved run executes under a fresh request ID, linked to the request's original one.
ALTER TABLE airlock.runs ADD COLUMN execution_request_id text;
CREATE INDEX runs_execution_request_idx ON airlock.runs (execution_request_id) WHERE execution_request_id IS NOT NULL;
