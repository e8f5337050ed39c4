-- Sign-in protection, single sign-on and admin visibility for identity and access.

-- Login throttling, one row per key: `account:<lower email>` (kept for unknown emails too, so a
-- locked-out guess looks the same whether or not the account exists) and `ip:<address>`.
-- Attempts are counted *before* the password is checked, so concurrent guesses cannot slip past
-- the limit while the slow hash runs (src/identity/login-throttle.ts).
CREATE TABLE airlock.login_throttle (
  key text PRIMARY KEY,
  attempts integer NOT NULL,
  window_started_at timestamptz NOT NULL,
  locked_until timestamptz
);
CREATE INDEX login_throttle_window_idx ON airlock.login_throttle (window_started_at);

-- An OIDC sign-in in flight: PKCE verifier, nonce and where to return, keyed by the SHA-256 of the
-- `state` sent to the provider, bound to the browser by the SHA-256 of a cookie. Consumed (deleted)
-- by the callback, so a replayed callback finds nothing.
CREATE TABLE airlock.oidc_login_states (
  state_hash text PRIMARY KEY,
  browser_hash text NOT NULL,
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  redirect_uri text NOT NULL,
  return_to text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX oidc_login_states_expiry_idx ON airlock.oidc_login_states (expires_at);

-- Values of the SSO groups claim that mean this group (besides its own name), e.g. an IdP group
-- "Support Tier 2" mapped to the Airlock group "support".
ALTER TABLE airlock.groups ADD COLUMN sso_aliases text[] NOT NULL DEFAULT '{}';
CREATE INDEX groups_sso_aliases_idx ON airlock.groups USING gin (sso_aliases);

ALTER TABLE airlock.users ADD COLUMN last_login_at timestamptz;

-- Housekeeping scans (expired sessions are pruned at sign-in).
CREATE INDEX sessions_absolute_expiry_idx ON airlock.sessions (absolute_expires_at);
