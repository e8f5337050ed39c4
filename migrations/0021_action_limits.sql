-- Runs admitted for actions that declare a rate (`limits.perMinute`, `limits.perActor`): one row
-- per admitted run, kept one minute. Counted under a transaction-scoped advisory lock per action
-- (src/control/limits.ts), so any number of server processes admit at most the limit between
-- them in any 60 s (a sliding window, no burst at a minute's edge). Concurrency limits need no
-- table: a running run holds an advisory lock for one of the action's slots.
CREATE TABLE airlock.action_admissions (
  action text NOT NULL,
  actor_id text NOT NULL,
  admitted_at timestamptz NOT NULL
);

-- Counting an action's window, and deleting what fell out of it, read this index.
CREATE INDEX action_admissions_window ON airlock.action_admissions (action, admitted_at);
