-- What a failed run's error says beyond its code: for a failed call to another system
-- (`downstream.*`) the resource, the status and a trimmed, PII-masked body, and — when the call may
-- have taken effect — `outcomeUnknown` with the idempotency key it was sent with, so an operator
-- can retry safely. Written by the run lifecycle only, like every column of a run.
ALTER TABLE airlock.runs ADD COLUMN error_details jsonb;
