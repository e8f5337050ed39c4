-- Runbook runs (src/runbooks/): one row per start of a runbook, its steps and its log. The
-- durable engine (DBOS, decision 0006) keeps the checkpoints that make a run resumable; these
-- tables are what people see and what the audit refers to. A step is written by the step itself
-- (idempotently, so a step run again after a crash rewrites the same row).
CREATE TABLE airlock.runbook_runs (
  id text PRIMARY KEY,
  runbook text NOT NULL,
  version text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'waiting', 'succeeded', 'failed', 'cancelled')),
  params jsonb NOT NULL,
  actor_id text NOT NULL REFERENCES airlock.users (id),
  request_id text NOT NULL,
  -- The durable workflow now carrying the run: the run's id, or a fork of it after a retry.
  workflow_id text NOT NULL,
  attempt int NOT NULL DEFAULT 1,
  progress jsonb,
  result jsonb,
  error jsonb,
  cancelled_by text REFERENCES airlock.users (id),
  cancel_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
-- Lists: newest first, optionally of one runbook or one starter.
CREATE INDEX runbook_runs_created_idx ON airlock.runbook_runs (created_at DESC, id DESC);
CREATE INDEX runbook_runs_runbook_idx ON airlock.runbook_runs (runbook, created_at DESC);

CREATE TABLE airlock.runbook_steps (
  runbook_run_id text NOT NULL REFERENCES airlock.runbook_runs (id),
  name text NOT NULL,
  position int NOT NULL,
  kind text NOT NULL CHECK (kind IN ('action', 'step', 'input', 'sleep')),
  status text NOT NULL CHECK (status IN ('running', 'waiting', 'succeeded', 'failed', 'cancelled')),
  -- Action steps: the run, and its action.
  run_id text REFERENCES airlock.runs (id),
  action text,
  -- Human steps: what is asked of whom, until when; who answered what.
  title text,
  form jsonb,
  assigned_group text,
  assigned_user text REFERENCES airlock.users (id),
  expires_at timestamptz,
  answered_by text REFERENCES airlock.users (id),
  answered_at timestamptz,
  answer jsonb,
  -- Sleeps: until when.
  wake_at timestamptz,
  output jsonb,
  error jsonb,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (runbook_run_id, name)
);
-- The inbox: human steps waiting, by group or user; a finished run's step by its run.
CREATE INDEX runbook_steps_waiting_idx ON airlock.runbook_steps (assigned_group, assigned_user)
  WHERE kind = 'input' AND status = 'waiting';
CREATE INDEX runbook_steps_run_idx ON airlock.runbook_steps (run_id) WHERE run_id IS NOT NULL;

CREATE TABLE airlock.runbook_logs (
  runbook_run_id text NOT NULL REFERENCES airlock.runbook_runs (id),
  -- The line's number within the run: the same line written again after a crash is one line.
  seq int NOT NULL,
  message text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (runbook_run_id, seq)
);
GRANT SELECT, INSERT, UPDATE ON airlock.runbook_runs, airlock.runbook_steps, airlock.runbook_logs TO airlock_app;
