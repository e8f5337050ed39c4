-- Statements whose answer is not awaited before the statements sent behind them (pipelined in one
-- round trip with the rest of their transaction): when such a statement finds nothing to change,
-- its transaction must fail, or what was sent behind it would commit. The statement passes its
-- row count through this function, which raises with the given message and hint on zero.
--   - a runbook action step's idempotency key claim, confirmed with the step's record: the key is
--     taken by another run (hint airlock:idempotency_key_taken);
--   - a queued run's start and end, sent with their audit events and COMMIT: another delivery of
--     its job moved the run first (hint airlock:run_moved).
CREATE FUNCTION airlock.require_row(p_count bigint, p_message text, p_hint text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF p_count = 0 THEN
    RAISE EXCEPTION '%', p_message USING HINT = p_hint;
  END IF;
  RETURN true;
END $$;
