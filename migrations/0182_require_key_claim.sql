-- A runbook's action step confirms its idempotency key's claim with its run's record, in the same
-- round trip, instead of waiting for the claim before its handler. A claim that finds the key
-- taken must then fail the transaction, or the record sent behind it would commit: the claim's
-- statement passes its row count through this function, which raises when nothing was claimed.
CREATE FUNCTION airlock.require_key_claim(p_claimed bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF p_claimed = 0 THEN
    RAISE EXCEPTION 'the idempotency key is taken by another run' USING HINT = 'airlock:idempotency_key_taken';
  END IF;
  RETURN true;
END $$;
