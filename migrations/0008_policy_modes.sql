-- Policy modes set by admins at run time. A row overrides the mode declared in code for one
-- policy of one action; no row means the code's mode applies. The history of changes is the
-- audit trail (policy.mode_changed, written in the same transaction); this table holds only the
-- current override.
CREATE TABLE airlock.policy_modes (
  action text NOT NULL,
  policy text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('enforce', 'monitor')),
  reason text NOT NULL,
  changed_by text NOT NULL REFERENCES airlock.users (id),
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (action, policy)
);

-- The approvals inbox: pending requests of the actions a reviewer may approve, newest first.
CREATE INDEX approval_requests_inbox_idx ON airlock.approval_requests (action, created_at DESC, id DESC)
  WHERE status = 'pending';
-- "What did I decide": one reviewer's decisions, newest first.
CREATE INDEX approval_decisions_reviewer_idx ON airlock.approval_decisions (reviewer_id, decided_at DESC);
