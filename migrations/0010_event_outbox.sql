-- Internal events for notifications (email, Slack, webhooks hook in here; see docs/approvals.md).
--
-- A transactional outbox: each event row is written by a trigger in the very transaction that
-- makes the change it announces, so an event exists if and only if its change committed, whatever
-- code path made the change (the control pipeline, a decision, the sweeper, a worker). A
-- dispatcher (src/approval/event-outbox.ts) reads committed rows and hands them to subscribers.
-- Payloads carry identifiers only, never parameters: subscribers load what they need with the
-- masking rules of the API.
CREATE TABLE airlock.event_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('approval.requested', 'approval.decided', 'run.failed')),
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  available_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  delivered_at timestamptz
);
-- The dispatcher's scan: undelivered events that are due, oldest first.
CREATE INDEX event_outbox_due_idx ON airlock.event_outbox (available_at, id) WHERE delivered_at IS NULL;
-- The weekly prune (src/approval/approval-expiry.ts).
CREATE INDEX event_outbox_created_idx ON airlock.event_outbox (created_at);

CREATE FUNCTION airlock.outbox_approval_requested() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO airlock.event_outbox (type, payload) VALUES ('approval.requested', jsonb_build_object(
    'approvalRequestId', NEW.id, 'runId', NEW.run_id, 'action', NEW.action,
    'requesterId', NEW.requester_id, 'policies', NEW.policies, 'expiresAt', NEW.expires_at,
    'requestId', NEW.request_id));
  RETURN NULL;
END
$$;
CREATE TRIGGER approval_requested_event AFTER INSERT ON airlock.approval_requests
  FOR EACH ROW EXECUTE FUNCTION airlock.outbox_approval_requested();

CREATE FUNCTION airlock.outbox_approval_decided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO airlock.event_outbox (type, payload) VALUES ('approval.decided', jsonb_build_object(
    'approvalRequestId', NEW.id, 'runId', NEW.run_id, 'action', NEW.action,
    'requesterId', NEW.requester_id, 'status', NEW.status,
    'executionRequestId', NEW.execution_request_id, 'requestId', NEW.request_id));
  RETURN NULL;
END
$$;
CREATE TRIGGER approval_decided_event AFTER UPDATE OF status ON airlock.approval_requests
  FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status <> 'pending')
  EXECUTE FUNCTION airlock.outbox_approval_decided();

CREATE FUNCTION airlock.outbox_run_failed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO airlock.event_outbox (type, payload) VALUES ('run.failed', jsonb_build_object(
    'runId', NEW.id, 'action', NEW.action, 'actorId', NEW.actor_id, 'errorCode', NEW.error_code,
    'requestId', NEW.request_id, 'executionRequestId', NEW.execution_request_id,
    'approvalRequestId', NEW.approval_request_id));
  RETURN NULL;
END
$$;
CREATE TRIGGER run_failed_event AFTER UPDATE OF status ON airlock.runs
  FOR EACH ROW WHEN (NEW.status = 'failed' AND OLD.status <> 'failed')
  EXECUTE FUNCTION airlock.outbox_run_failed();
