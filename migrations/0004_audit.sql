-- The audit trail: append-only for the application, sealed in batches for tamper evidence.
-- See docs/decisions/0003-audit-sealing.md for the scheme.
CREATE TABLE airlock.audit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The writing transaction's id. The sealer only seals events whose transaction is older than
  -- every transaction still running, and seals them in (txid, id) order: a transaction that
  -- commits late can then never land inside an already sealed range.
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  type text NOT NULL,
  actor_id text,
  actor_kind text,
  on_behalf_of text,
  action text,
  action_version text,
  target_type text,
  target_id text,
  run_id text,
  approval_request_id text,
  request_id text,
  parent_request_id text,
  idempotency_key text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied', 'pending', 'info')),
  error_code text,
  reason text,
  params jsonb,
  data jsonb,
  client_ip text,
  user_agent text
);
-- Search paths (GET /api/v1/audit): newest first by actor, target, action, type, run, request ID.
CREATE INDEX audit_events_actor_idx ON airlock.audit_events (actor_id, id DESC);
CREATE INDEX audit_events_target_idx ON airlock.audit_events (target_type, target_id, id DESC);
CREATE INDEX audit_events_action_idx ON airlock.audit_events (action, id DESC);
CREATE INDEX audit_events_type_idx ON airlock.audit_events (type, id DESC);
CREATE INDEX audit_events_run_idx ON airlock.audit_events (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX audit_events_request_idx ON airlock.audit_events (request_id);
CREATE INDEX audit_events_time_idx ON airlock.audit_events (occurred_at);
-- The sealer's scan: unsealed events in chain order.
CREATE INDEX audit_events_chain_idx ON airlock.audit_events (txid, id);

-- One row per sealed batch: the events it covers (ids in chain order), each event's hash, the
-- batch root chained to the previous batch's root, and an optional Ed25519 signature.
CREATE TABLE airlock.audit_seals (
  id bigint PRIMARY KEY,
  prev_root text NOT NULL,
  root text NOT NULL,
  event_count integer NOT NULL,
  first_txid xid8 NOT NULL,
  first_event_id bigint NOT NULL,
  last_txid xid8 NOT NULL,
  last_event_id bigint NOT NULL,
  event_ids bigint[] NOT NULL,
  event_hashes bytea NOT NULL,
  scheme text NOT NULL,
  signature text,
  key_id text,
  sealed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Append-only for the application: INSERT and SELECT only.
REVOKE ALL ON airlock.audit_events, airlock.audit_seals FROM airlock_app;
GRANT SELECT, INSERT ON airlock.audit_events, airlock.audit_seals TO airlock_app;
