-- An action step whose run was not over when the step first recorded it (held for approval,
-- queued) waits for the run's end in the runbook's workflow, through the engine's messages. An
-- action step is its own checkpoint (its row commits with its run): on a resume, the workflow
-- takes the same path as the first time only if it knows that the step waited, whatever its run's
-- status is by then. Never reset while the step keeps its run.
ALTER TABLE airlock.runbook_steps ADD COLUMN waited boolean NOT NULL DEFAULT false;

-- An action step's run commits only while its runbook run is live: the step's transaction moves
-- the runbook run's status through this function, which raises once the run has ended (cancelled
-- while the step's action ran), so the COMMIT rolls the step's run and effects back. The UPDATE
-- locks the runbook run's row and evaluates this on its latest version: a cancel either commits
-- first (the step rolls back) or waits for the step (which is then done, and stays done).
CREATE FUNCTION airlock.live_runbook_status(p_current text, p_next text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_current IN ('succeeded', 'failed', 'cancelled') THEN
    RAISE EXCEPTION 'the runbook run has ended (%)', p_current USING HINT = 'airlock:runbook_run_ended';
  END IF;
  RETURN p_next;
END $$;
