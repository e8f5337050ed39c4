-- Keys Airlock generates for itself and keeps encrypted under the master key (like a secret's
-- value; crypto/envelope.ts), so a dump of the database does not hold them. The first is the key
-- of the runs' parameter hashes: a plain SHA-256 of parameters whose classified fields are shown
-- masked (a card's BIN and last four) can be brute-forced back to the card number in 10^5 tries.
-- The application adds a key once and re-wraps it on rotation; it never deletes one.
CREATE TABLE airlock.sealed_keys (
  name text PRIMARY KEY,
  envelope bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE DELETE ON airlock.sealed_keys FROM airlock_app;
