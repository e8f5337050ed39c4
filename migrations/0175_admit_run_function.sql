-- An action's rate window is checked and extended in one statement (src/control/limits.ts): the
-- advisory lock per action is taken inside it and released at its commit, so the lock is held for
-- the few microseconds PostgreSQL needs, never across a network round trip. Before, the lock was
-- taken in one write and released by COMMIT in the next, so every admission of a busy action waited
-- for another client's two round trips (measured: a limited inline action ran at 32% of the same
-- action without limits, c = 8).
--
-- A VOLATILE plpgsql function gives each statement a fresh snapshot under READ COMMITTED, so the
-- count, taken after the lock is granted, sees every admission committed by the lock's previous
-- holder: two processes can never both take the last place.
CREATE FUNCTION airlock.admit_run(
  p_action text,
  p_actor text,
  p_per_minute int,
  p_per_actor int,
  p_window_seconds int,
  p_key text
) RETURNS TABLE (admitted boolean, rate text, retry_after float8)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  w_total int;
  w_mine int;
  w_oldest float8;
  w_my_oldest float8;
BEGIN
  -- A key already stored is a replay (or a mismatch) that runs nothing, so it takes no place; the
  -- caller's pipeline answers it. Checked here so it costs no round trip of its own.
  IF p_key IS NOT NULL AND EXISTS (
    SELECT 1 FROM airlock.idempotency_keys k
     WHERE k.actor_id = p_actor AND k.key = p_key AND k.expires_at > now()
  ) THEN
    RETURN QUERY SELECT true, 'replay'::text, NULL::float8;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('airlock.rate:' || p_action), 0);
  SELECT count(*)::int,
         count(*) FILTER (WHERE a.actor_id = p_actor)::int,
         extract(epoch FROM min(a.admitted_at) + make_interval(secs => p_window_seconds) - clock_timestamp())::float8,
         extract(epoch FROM min(a.admitted_at) FILTER (WHERE a.actor_id = p_actor)
                 + make_interval(secs => p_window_seconds) - clock_timestamp())::float8
    INTO w_total, w_mine, w_oldest, w_my_oldest
    FROM airlock.action_admissions a
   WHERE a.action = p_action AND a.admitted_at > clock_timestamp() - make_interval(secs => p_window_seconds);
  -- The window never holds more than the limit (nothing over it is admitted), so the oldest
  -- admission is the one whose expiry makes room.
  IF p_per_actor IS NOT NULL AND w_mine >= p_per_actor THEN
    RETURN QUERY SELECT false, 'perActor'::text, w_my_oldest;
    RETURN;
  END IF;
  IF p_per_minute IS NOT NULL AND w_total >= p_per_minute THEN
    RETURN QUERY SELECT false, 'perMinute'::text, w_oldest;
    RETURN;
  END IF;
  -- What fell out of the window goes in the same breath (the index keeps it cheap).
  DELETE FROM airlock.action_admissions a
   WHERE a.action = p_action AND a.admitted_at <= clock_timestamp() - make_interval(secs => p_window_seconds);
  INSERT INTO airlock.action_admissions (action, actor_id, admitted_at)
  VALUES (p_action, p_actor, clock_timestamp());
  RETURN QUERY SELECT true, NULL::text, NULL::float8;
END
$$;
