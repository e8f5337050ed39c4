-- A recurring review's ticks start reviews in the name of one admin, at first whoever set it up.
-- When that admin is disabled the ticks are refused; the schedule shows it is stalled and another
-- admin takes it over (audited). The latest refusal is kept so the list can say why a tick did
-- not start its review; a tick that starts one clears it.
ALTER TABLE airlock.access_review_schedules
  ADD COLUMN runs_as text REFERENCES airlock.users (id),
  ADD COLUMN last_refused_code text,
  ADD COLUMN last_refused_at timestamptz;
UPDATE airlock.access_review_schedules SET runs_as = created_by;
ALTER TABLE airlock.access_review_schedules ALTER COLUMN runs_as SET NOT NULL;
