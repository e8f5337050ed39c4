-- Starting a runbook with an Idempotency-Key: the same key (per starter) is one runbook run; the
-- same key with another runbook or other parameters is refused (`idempotency.mismatch`). Unlike
-- an action's key (kept 24 h), a runbook run's key lives as long as the run's row: a start retried
-- days later still finds its run.
ALTER TABLE airlock.runbook_runs
  ADD COLUMN idempotency_key text,
  ADD COLUMN params_hash text;
CREATE UNIQUE INDEX runbook_runs_idempotency_idx ON airlock.runbook_runs (actor_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- Why it was started (free text, scrubbed of PII): the first of the six questions' "why".
ALTER TABLE airlock.runbook_runs ADD COLUMN reason text;
