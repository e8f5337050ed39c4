-- The processes running the durable-execution engine (DBOS, decision 0006) and their heartbeats.
-- A live process re-enqueues the workflows of a process whose heartbeat stopped
-- (engine/durable-engine.ts). One row per process: a restarted process is a new executor.
CREATE TABLE airlock.engine_executors (
  executor_id text PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON airlock.engine_executors TO airlock_app;
