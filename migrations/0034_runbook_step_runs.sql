-- An action step run again after a crash finds the run it made before by its idempotency key
-- (`rb:<runbook run>:<attempt>:<step>`), in the runs table, where it never expires — unlike the
-- key's claim (kept 24 h), so a runbook resumed after a longer outage does not run the action
-- twice. Partial: only runbook steps' keys.
CREATE INDEX runs_runbook_key_idx ON airlock.runs (actor_id, idempotency_key)
  WHERE idempotency_key LIKE 'rb:%';
