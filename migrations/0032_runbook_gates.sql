-- Approval gates inside a runbook (`rb.approve`): a step of kind 'approval' whose approval request
-- (subject kind `runbook_gate`, src/runbooks/runbook-gate.ts) is decided like any approval. The
-- step names its request; the request names the step (subject_id = run:step:attempt).
ALTER TABLE airlock.runbook_steps
  DROP CONSTRAINT runbook_steps_kind_check,
  ADD CONSTRAINT runbook_steps_kind_check CHECK (kind IN ('action', 'step', 'input', 'sleep', 'approval')),
  ADD COLUMN approval_request_id text REFERENCES airlock.approval_requests (id);
