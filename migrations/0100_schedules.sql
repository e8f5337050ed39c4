-- Schedules (src/schedules/): DBOS's dynamic scheduler fires the ticks (decision 0006); these
-- tables are Airlock's side. `schedules` holds what an admin decided (paused or not, by whom,
-- why); the tick body reads it, so a pause holds at once even before every process's scheduler
-- loop has seen DBOS's own status. `schedule_ticks` is one row per tick that started something
-- (or was refused): what the Schedules page lists as last runs.
CREATE TABLE airlock.schedules (
  name text PRIMARY KEY,
  paused boolean NOT NULL DEFAULT false,
  changed_by text REFERENCES airlock.users (id),
  changed_at timestamptz,
  reason text
);

CREATE TABLE airlock.schedule_ticks (
  schedule text NOT NULL,
  tick_at timestamptz NOT NULL,
  -- Who the tick acted as: the schedule's service identity.
  actor_id text REFERENCES airlock.users (id),
  run_id text REFERENCES airlock.runs (id),
  runbook_run_id text REFERENCES airlock.runbook_runs (id),
  -- started: a run or runbook run exists; refused: the control layer said no (error_code says why).
  status text NOT NULL CHECK (status IN ('started', 'refused')),
  error_code text,
  error_message text,
  -- Whether this tick was fired at the next start after downtime (missed: "catchUpOnce").
  catch_up boolean NOT NULL DEFAULT false,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule, tick_at)
);
-- Last runs of a schedule: its newest ticks (the primary key, read backwards).

GRANT SELECT, INSERT, UPDATE ON airlock.schedules, airlock.schedule_ticks TO airlock_app;

-- A tick that starts a runbook gives the runbook run a request id derived from the tick
-- (`sched:<schedule>:<tick>`); a tick run again after a crash finds it by that id instead of
-- starting a second one.
CREATE INDEX runbook_runs_schedule_request_idx ON airlock.runbook_runs (request_id)
  WHERE request_id LIKE 'sched:%';
