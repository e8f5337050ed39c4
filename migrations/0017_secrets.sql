-- Secrets: named values (connection URLs, API keys) that server-side code reads and nobody gets
-- back through any API. Each value is encrypted by the application before it reaches this table
-- (crypto/envelope.ts: AES-256-GCM under its own data key, wrapped by a master key the database
-- never sees), with `airlock.secrets:<name>:<version>` as associated data, so an envelope copied to
-- another name or back to an older version does not decrypt.
CREATE TABLE airlock.secrets (
  name text PRIMARY KEY CHECK (name ~ '^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$' AND length(name) <= 100),
  envelope bytea NOT NULL,
  -- Bumped by every replacement; part of the envelope's associated data.
  version integer NOT NULL CHECK (version >= 1),
  -- Who answers for it (a person or a team), shown in the list.
  owner text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
