-- Outbound webhooks: an admin registers a URL and the event types it receives. Each delivery is a
-- notification row (channel 'webhook', address = the webhook's id), signed with the webhook's
-- secret and retried with backoff by the engine; those rows are the webhook's delivery log.
--
-- The secret must be readable to sign (HMAC), so it is stored; it is shown to the admin once, at
-- creation, and never returned again.
CREATE TABLE airlock.webhooks (
  id text PRIMARY KEY,
  url text NOT NULL,
  event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
  secret text NOT NULL,
  -- An admin allowed a private or loopback destination (the SSRF guard refuses those otherwise).
  internal boolean NOT NULL DEFAULT false,
  description text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE INDEX notifications_address_idx ON airlock.notifications (address, created_at DESC);
