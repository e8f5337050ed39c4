-- An inline run claims its idempotency key before its handler runs, and its run row is written
-- once, in the state the handler ended in, just before COMMIT (an INSERT and then an UPDATE of
-- every index on runs cost a third of an action's database time). The key's reference to its run
-- is therefore checked at commit instead of at the key's insert.
ALTER TABLE airlock.idempotency_keys
  ALTER CONSTRAINT idempotency_keys_run_id_fkey DEFERRABLE INITIALLY DEFERRED;
