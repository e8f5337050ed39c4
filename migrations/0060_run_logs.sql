-- Per-run logs: the lines an action's handler writes with ctx.log, masked and capped per attempt
-- (runs/run-logs.ts), written in the run's own transaction, so a run's logs exist if and only if
-- its outcome does. No foreign key to runs: an inline run's row is inserted at COMMIT
-- (migration 0012), after these lines.
CREATE TABLE airlock.run_logs (
  run_id text NOT NULL,
  attempt int NOT NULL,
  seq int NOT NULL,
  at timestamptz NOT NULL,
  level text NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message text NOT NULL,
  data jsonb,
  request_id text NOT NULL,
  PRIMARY KEY (run_id, attempt, seq)
);
GRANT SELECT, INSERT ON airlock.run_logs TO airlock_app;
