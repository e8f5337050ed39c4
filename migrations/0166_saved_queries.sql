-- Saved queries: a read-only SQL action with its parameters, kept by one person under a name, to
-- start a bulk batch from its rows as they are when the batch is previewed or started. Only the
-- owner sees and uses them. `params` holds the parameters with every PII-classified field masked;
-- when a field is classified, the raw parameters are sealed beside them (`params_sealed`, envelope
-- encryption under the master key, bound to the saved query: `airlock.saved_queries:<id>:params`).
CREATE TABLE airlock.saved_queries (
  id text PRIMARY KEY,
  owner_id text NOT NULL REFERENCES airlock.users (id),
  name text NOT NULL,
  action text NOT NULL,
  params jsonb NOT NULL,
  params_sealed bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (owner_id, name)
);
