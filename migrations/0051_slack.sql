-- Slack: which Slack user is which Airlock user, and which interactions were already handled.
--
-- A link exists only when it was verified: by an admin after Slack's users.info showed the Slack
-- account's confirmed email equal to the Airlock user's, or by the user themself (a one-time code
-- made in their Airlock session, sent back from their Slack account through a signed request).
-- A Slack user without a link can do nothing in Airlock.
CREATE TABLE airlock.slack_links (
  slack_team_id text NOT NULL,
  slack_user_id text NOT NULL,
  user_id text NOT NULL REFERENCES airlock.users (id) ON DELETE CASCADE,
  verified_by text NOT NULL CHECK (verified_by IN ('email', 'code')),
  linked_by text NOT NULL,
  linked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (slack_team_id, slack_user_id),
  UNIQUE (slack_team_id, user_id)
);

-- One-time link codes (only their SHA-256 is kept), valid for minutes.
CREATE TABLE airlock.slack_link_codes (
  code_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES airlock.users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Slack retries an interaction it did not see answered in 3 s, with the same payload: the first
-- insert of its key wins, a repeat is answered without acting again. Pruned with old events.
CREATE TABLE airlock.slack_interactions (
  key text PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now()
);
