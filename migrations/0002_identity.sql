-- Users (humans and service identities), groups, stored grants, sessions and API tokens.
-- Roles and the grants declared in code live in the workspace config; these tables hold what
-- admins add at run time, and who is in which group.
CREATE TABLE airlock.users (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('human', 'service')),
  email text,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  password_hash text,
  source text NOT NULL DEFAULT 'admin' CHECK (source IN ('admin', 'config', 'demo', 'oidc')),
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz,
  CHECK (kind = 'service' OR email IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_key ON airlock.users (lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_service_name_key ON airlock.users (name) WHERE kind = 'service';

CREATE TABLE airlock.groups (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text,
  source text NOT NULL DEFAULT 'admin' CHECK (source IN ('admin', 'config', 'oidc')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE airlock.group_members (
  group_id text NOT NULL REFERENCES airlock.groups (id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES airlock.users (id) ON DELETE CASCADE,
  source text NOT NULL DEFAULT 'admin' CHECK (source IN ('admin', 'config', 'demo', 'oidc')),
  added_by text,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON airlock.group_members (user_id);

-- Grants added by admins at run time (code-declared grants are not copied here).
CREATE TABLE airlock.grants (
  id text PRIMARY KEY,
  subject_kind text NOT NULL CHECK (subject_kind IN ('role', 'group')),
  subject text NOT NULL,
  verbs text[] NOT NULL CHECK (cardinality(verbs) > 0),
  on_kind text NOT NULL CHECK (on_kind IN ('action', 'tag', 'all')),
  on_value text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_by text,
  revoked_at timestamptz,
  CHECK ((on_kind = 'all') = (on_value IS NULL))
);

-- Server-side sessions. The cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE airlock.sessions (
  id_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES airlock.users (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  idle_expires_at timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL,
  client_ip text,
  user_agent text,
  revoked_at timestamptz
);
CREATE INDEX sessions_user_idx ON airlock.sessions (user_id);

CREATE TABLE airlock.api_tokens (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES airlock.users (id) ON DELETE CASCADE,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON airlock.api_tokens (user_id);
