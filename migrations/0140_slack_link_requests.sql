-- A person links their Slack account from Slack: `/airlock link` (or a click by an unlinked Slack
-- user) answers, only to them, with a one-time link they open while signed in to Airlock. The
-- request remembers which Slack user asked (Slack's word: the command is signed) and only the
-- SHA-256 of the link's token; it is used once, within minutes, by a signed-in person who
-- confirms it, and only when Slack shows that account's confirmed email equal to theirs
-- (src/integrations/slack/slack-links.ts).
CREATE TABLE airlock.slack_link_requests (
  token_hash text PRIMARY KEY,
  slack_team_id text NOT NULL,
  slack_user_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX slack_link_requests_expires_at ON airlock.slack_link_requests (expires_at);
