-- Cached API-token lookups (src/identity/token-cache.ts) are trusted only while the credentials
-- they were read from are unchanged: every change that could refuse or alter a token's principal
-- (a token revoked or its expiry moved, a user disabled or renamed, a group membership added or
-- removed, a group renamed) sets a new version here, in the same transaction. Each cache hit reads
-- this one row (a primary-key read, no join) and drops its entries when the version moved, so a
-- revocation takes effect on the next request in every process, and a restarted or restored
-- database (a random version, never a counter that could repeat after a restore) cannot leave a
-- stale entry.
CREATE TABLE airlock.credential_version (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  version uuid NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO airlock.credential_version DEFAULT VALUES;

CREATE FUNCTION airlock.credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE airlock.credential_version SET version = gen_random_uuid();
  RETURN NULL;
END
$$;

-- Deferred constraint triggers fire at COMMIT, after every other statement of the transaction:
-- the version row is then the last lock a credential change takes, so two concurrent changes
-- (two servers syncing the directory at start) wait on each other instead of deadlocking.
CREATE CONSTRAINT TRIGGER api_tokens_changed AFTER UPDATE ON airlock.api_tokens
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
    OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.token_hash IS DISTINCT FROM NEW.token_hash)
  EXECUTE FUNCTION airlock.credentials_changed();
CREATE CONSTRAINT TRIGGER api_tokens_deleted AFTER DELETE ON airlock.api_tokens
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION airlock.credentials_changed();
CREATE CONSTRAINT TRIGGER users_changed AFTER UPDATE ON airlock.users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind
    OR OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION airlock.credentials_changed();
CREATE CONSTRAINT TRIGGER users_deleted AFTER DELETE ON airlock.users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION airlock.credentials_changed();
CREATE CONSTRAINT TRIGGER group_members_changed AFTER INSERT OR UPDATE OR DELETE ON airlock.group_members
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION airlock.credentials_changed();
CREATE CONSTRAINT TRIGGER groups_renamed AFTER UPDATE ON airlock.groups
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION airlock.credentials_changed();
