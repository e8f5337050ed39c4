-- Access reviews wider than one group, and recurring ones.
--
-- A review covers one group, several named groups, or every group whose grants reach a high or
-- critical action (scope 'high_risk': who can run, approve or reveal there, and who administers
-- everything). Its items are therefore (group, member) pairs: a person in two of the groups is
-- reviewed in each, and a revocation removes them from that group only. group_id/group_name stay
-- for a one-group review (the one-open-review-per-group index still holds for those).
ALTER TABLE airlock.access_reviews
  ADD COLUMN scope text NOT NULL DEFAULT 'groups' CHECK (scope IN ('groups', 'high_risk')),
  ADD COLUMN groups jsonb,
  ALTER COLUMN group_id DROP NOT NULL,
  ALTER COLUMN group_name DROP NOT NULL;
UPDATE airlock.access_reviews SET groups = jsonb_build_array(jsonb_build_object('id', group_id, 'name', group_name));
ALTER TABLE airlock.access_reviews ALTER COLUMN groups SET NOT NULL;

ALTER TABLE airlock.access_review_items ADD COLUMN group_id text, ADD COLUMN group_name text;
UPDATE airlock.access_review_items i SET group_id = r.group_id, group_name = r.group_name
  FROM airlock.access_reviews r WHERE r.id = i.review_id;
ALTER TABLE airlock.access_review_items
  ALTER COLUMN group_id SET NOT NULL,
  ALTER COLUMN group_name SET NOT NULL,
  DROP CONSTRAINT access_review_items_pkey,
  ADD PRIMARY KEY (review_id, group_id, user_id);

-- A recurring review: the same scope and reviewer every tick of a cron (quarterly by default).
-- Ticks come from the durable engine's scheduler (DBOS), one workflow per tick across processes;
-- the review a tick starts records (schedule_id, tick_at), unique, so a tick starts one review
-- even when its step runs again after a crash.
CREATE TABLE airlock.access_review_schedules (
  id text PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('groups', 'high_risk')),
  groups jsonb NOT NULL DEFAULT '[]',
  reviewer_id text NOT NULL REFERENCES airlock.users (id),
  cron text NOT NULL,
  time_zone text NOT NULL,
  due_in_days integer NOT NULL,
  created_by text NOT NULL REFERENCES airlock.users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stopped')),
  stopped_by text REFERENCES airlock.users (id),
  stopped_at timestamptz
);

ALTER TABLE airlock.access_reviews
  ADD COLUMN schedule_id text REFERENCES airlock.access_review_schedules (id),
  ADD COLUMN tick_at timestamptz;
CREATE UNIQUE INDEX access_reviews_schedule_tick_idx ON airlock.access_reviews (schedule_id, tick_at)
  WHERE schedule_id IS NOT NULL;

REVOKE DELETE ON airlock.access_review_schedules FROM airlock_app;
