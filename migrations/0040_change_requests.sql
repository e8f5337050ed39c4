-- Change requests: an access or policy change (a membership, a grant, a policy mode, a user in a
-- reviewer group) held for a second admin's approval. The approval itself is an ordinary approval
-- request of subject kind `change` (subject_id = the change request's id), so the same rules hold
-- as for runs: no self-approval, the payload bound by its hash, expiry, every decision audited.
-- The change is applied in the transaction that completes the approval (src/governance/).
CREATE TABLE airlock.change_requests (
  id text PRIMARY KEY,
  kind text NOT NULL,
  -- What will be applied, exactly as approved (its hash is the approval request's params_hash).
  payload jsonb NOT NULL,
  payload_hash text NOT NULL,
  -- One line a reviewer reads ("add ada@… to support-managers").
  summary text NOT NULL,
  -- What the change touches (a grant's subject and scope, a membership, a policy): two pending
  -- changes on one thing would each be approved against a state the other changes.
  conflict_key text NOT NULL,
  -- Who gains access by the change, when it was requested; re-read at decision time too.
  beneficiaries text[] NOT NULL DEFAULT '{}',
  requested_by text NOT NULL REFERENCES airlock.users (id),
  reason text,
  status text NOT NULL CHECK (status IN ('pending', 'applied', 'rejected', 'cancelled', 'expired')),
  approval_request_id text UNIQUE REFERENCES airlock.approval_requests (id),
  request_id text NOT NULL,
  -- What applying it produced (the grant or the user it created), for the requester.
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz
);
CREATE UNIQUE INDEX change_requests_pending_conflict_idx ON airlock.change_requests (conflict_key)
  WHERE status = 'pending';
CREATE INDEX change_requests_created_idx ON airlock.change_requests (created_at DESC, id DESC);
REVOKE DELETE ON airlock.change_requests FROM airlock_app;

-- A person added to a reviewer group by a change they requested themselves may not approve that
-- group's requests until `until` (they could otherwise add themselves, then approve).
CREATE TABLE airlock.reviewer_cooldowns (
  user_id text NOT NULL REFERENCES airlock.users (id),
  group_name text NOT NULL,
  change_request_id text NOT NULL REFERENCES airlock.change_requests (id),
  until timestamptz NOT NULL,
  PRIMARY KEY (user_id, group_name, change_request_id)
);
REVOKE DELETE, UPDATE ON airlock.reviewer_cooldowns FROM airlock_app;
