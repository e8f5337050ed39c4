-- PII at rest in runs: a run's row keeps its classified parameter and result fields masked, and
-- the raw values encrypted beside them (crypto/envelope.ts, under the master key, bound to the run
-- and the column), so a database dump, backup or replica shows no card number. Only the executor
-- (to run a queued or approved run) and an audited reveal decrypt them.
ALTER TABLE airlock.runs
  ADD COLUMN params_sealed bytea,
  ADD COLUMN result_sealed bytea,
  -- False for rows written before this migration, which hold raw values until they are sealed by
  -- the maintenance sweep (runs/run-values.ts) or masked by retention.
  ADD COLUMN values_masked boolean NOT NULL DEFAULT false;
ALTER TABLE airlock.runs ALTER COLUMN values_masked SET DEFAULT true;
