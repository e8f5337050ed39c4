-- Access reviews: a named reviewer confirms or revokes each member's access to a group. The items
-- are a snapshot taken when the review starts (who was a member, through which grants, and when
-- each grant was last used according to the audit trail), so the signed-off review is evidence of
-- what was reviewed even after memberships change.
CREATE TABLE airlock.access_reviews (
  id text PRIMARY KEY,
  group_id text NOT NULL,
  group_name text NOT NULL,
  reviewer_id text NOT NULL REFERENCES airlock.users (id),
  started_by text NOT NULL REFERENCES airlock.users (id),
  started_at timestamptz NOT NULL DEFAULT now(),
  due_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'signed_off', 'cancelled')),
  signed_off_at timestamptz,
  note text,
  request_id text NOT NULL
);
-- One open review per group at a time.
CREATE UNIQUE INDEX access_reviews_open_group_idx ON airlock.access_reviews (group_id) WHERE status = 'open';
CREATE INDEX access_reviews_reviewer_idx ON airlock.access_reviews (reviewer_id, started_at DESC);

CREATE TABLE airlock.access_review_items (
  review_id text NOT NULL REFERENCES airlock.access_reviews (id),
  user_id text NOT NULL REFERENCES airlock.users (id),
  user_name text NOT NULL,
  user_email text,
  member_since timestamptz,
  -- [{ grant, verbs, on, lastUsedAt }] as of the start of the review.
  grants jsonb NOT NULL,
  last_activity_at timestamptz,
  decision text CHECK (decision IN ('keep', 'revoke')),
  reason text,
  decided_at timestamptz,
  -- After sign-off: kept, removed, held (a change request waits for a second admin), or gone
  -- (no longer a member by then).
  outcome text CHECK (outcome IN ('kept', 'removed', 'held', 'gone')),
  change_request_id text,
  PRIMARY KEY (review_id, user_id)
);

-- A review is evidence: the application records and closes reviews, never deletes them.
REVOKE DELETE ON airlock.access_reviews, airlock.access_review_items FROM airlock_app;
