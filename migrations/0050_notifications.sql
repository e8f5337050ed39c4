-- Notifications: one row per message Airlock sends (an email to one person, a Slack message, a
-- webhook call), written from an event (events/) before anything is sent, and delivered by a job of
-- the engine with retries and backoff. The row is the record of what was sent and of every failed
-- attempt, so an SMTP or Slack outage is visible ("not delivered yet (3 attempts, last error …)")
-- and never blocks the run or decision that caused it.
--
-- The text is built with PII masked (it is what the recipient sees); it never holds secrets or
-- tokens. One row per (event, channel, address): the consumer may see an event twice (at-least-once
-- delivery) and the unique key makes the second a no-op.
CREATE TABLE airlock.notifications (
  id text PRIMARY KEY,
  event_id bigint NOT NULL,
  event_type text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'slack', 'webhook')),
  -- The person it is for (null for a channel message or a webhook).
  recipient_id text REFERENCES airlock.users (id) ON DELETE SET NULL,
  -- An email address, a Slack channel or user id, a webhook id.
  address text NOT NULL,
  subject text NOT NULL,
  body_text text NOT NULL,
  body_html text,
  -- Channel-specific content (Slack blocks, a webhook's JSON body) and delivery facts (Slack's ts).
  content jsonb,
  -- The approval request or run it is about, for lookups (Slack updates, the UI).
  approval_request_id text,
  run_id text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, channel, address)
);
-- The mailbox and delivery views: newest first per channel.
CREATE INDEX notifications_channel_idx ON airlock.notifications (channel, created_at DESC);
CREATE INDEX notifications_approval_idx ON airlock.notifications (approval_request_id)
  WHERE approval_request_id IS NOT NULL;
