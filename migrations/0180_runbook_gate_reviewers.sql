-- The reviewers the starter of a runbook picked for its approval gates, by gate step name
-- ({"approval": {"users": [...ids], "groups": [...]}}), checked at start against the gates the
-- runbook's rehearsal finds and again when each gate opens (approval/reviewer-choice.ts). Null:
-- every gate asks all its eligible reviewers.
ALTER TABLE airlock.runbook_runs ADD COLUMN gate_reviewers jsonb;
