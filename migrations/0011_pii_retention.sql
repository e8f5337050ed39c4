-- Raw PII in a run's parameters and result is kept only as long as a reveal may need it
-- (AIRLOCK_PII_RETENTION_DAYS, default 30 days after the run finished). Then the maintenance job
-- replaces both with their masked form and stamps the run.
ALTER TABLE airlock.runs ADD COLUMN pii_purged_at timestamptz;
CREATE INDEX runs_pii_purge_idx ON airlock.runs (finished_at) WHERE pii_purged_at IS NULL AND finished_at IS NOT NULL;
