-- The sign-in throttle keyed accounts by the lower-cased text typed into the email field, which is
-- sometimes a password typed into the wrong field. From now on a row names a user by id, and text
-- that names no user by an HMAC-SHA-256 under this instance's key (identity/identifier-hash.ts).

-- Random keys of this installation, read by the application and changed by nobody but the owner.
-- 32 bytes from two v4 UUIDs: gen_random_uuid() draws on pg_strong_random (244 random bits).
CREATE TABLE airlock.server_keys (
  name text PRIMARY KEY,
  key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE INSERT, UPDATE, DELETE ON airlock.server_keys FROM airlock_app;
INSERT INTO airlock.server_keys (name, key)
VALUES ('identifier_hash', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- Existing rows: a known user's count (and lock) moves to the user's id; every other account row,
-- which may hold a typed password, is deleted (at worst a 15-minute count starts over).
UPDATE airlock.login_throttle t
   SET key = 'account:user:' || u.id
  FROM airlock.users u
 WHERE u.kind = 'human' AND u.email IS NOT NULL AND t.key = 'account:' || lower(u.email);
DELETE FROM airlock.login_throttle WHERE key LIKE 'account:%' AND key NOT LIKE 'account:user:%';
