-- The queue gauges (airlock_runs_queued, airlock_run_queue_oldest_seconds) are read at every
-- Prometheus scrape: a partial index holds only the queued runs, so the scrape never scans the
-- run history, and a run leaving the queue leaves the index.
CREATE INDEX runs_queued_idx ON airlock.runs (queued_at) WHERE status = 'queued';
