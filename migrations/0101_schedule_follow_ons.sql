-- A schedule whose action is followed by a runbook per result (`forEach`): the runbook runs a tick
-- started, in the order of the inputs (each with the request id `sched:<schedule>:<tick>:<n>`).
ALTER TABLE airlock.schedule_ticks ADD COLUMN for_each_runbook_run_ids text[] NOT NULL DEFAULT '{}';
