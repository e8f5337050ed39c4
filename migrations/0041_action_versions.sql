-- The action change log: each deployed version of each action, recorded when a workspace loads —
-- its parameters' schema, policies, declared grants and a hash of its code — so an action's page
-- can show what changed between versions, and a run's `action_version` names a definition that
-- can still be read after the code moved on. Rows are never changed or removed.
CREATE TABLE airlock.action_versions (
  action text NOT NULL,
  version text NOT NULL,
  definition jsonb NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (action, version)
);
REVOKE UPDATE, DELETE ON airlock.action_versions FROM airlock_app;
-- The runs of one action version (the action's page counts them per version).
CREATE INDEX runs_action_version_idx ON airlock.runs (action, action_version);
