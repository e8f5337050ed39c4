// The OpenID Connect relying party, on openid-client (certified; we do not hand-roll OIDC).
// Authorization code flow with PKCE (S256), state and nonce. The sign-in in flight is a row in
// `oidc_login_states` keyed by the SHA-256 of `state`, bound to the browser that started it by a
// cookie (so a callback URL sent to someone else's browser does not sign them in: login CSRF), and
// deleted by the first callback that uses it, so a replayed callback (or a replayed code with its
// state) fails.
import { randomBytes } from "node:crypto";
import * as client from "openid-client";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import { hashSecret } from "./sessions.ts";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  groupsClaim: string | null;
}

/** What Airlock learns about the person from the provider. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** Values of the groups claim, or null when no groups claim is configured. */
  groups: string[] | null;
}

/** A refusal of the flow; `reason` goes to the audit, never to the client. */
export class OidcFailure extends AirlockError {
  readonly reason: string;
  constructor(reason: string) {
    super("auth.oidc_failed");
    this.reason = reason;
  }
}

const STATE_TTL_SECONDS = 600;

export interface OidcClient {
  settings: OidcSettings;
  /** Starts a sign-in: the provider URL to redirect to and the browser-binding cookie value. */
  begin(
    db: Queryable,
    input: { redirectUri: string; returnTo: string },
  ): Promise<{ url: string; browserBinding: string }>;
  /** Completes it from the callback URL; one use per state. */
  complete(
    db: Queryable,
    input: { query: URLSearchParams; browserBinding: string | null },
  ): Promise<{ identity: OidcIdentity; returnTo: string }>;
}

export function createOidcClient(settings: OidcSettings): OidcClient {
  let configuration: Promise<client.Configuration> | null = null;

  function discover(): Promise<client.Configuration> {
    configuration ??= client
      .discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
        // Plain http only for a provider on this machine (development, the test suite's provider).
        execute: isLoopback(settings.issuer) ? [client.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        configuration = null; // try again on the next sign-in
        throw error;
      });
    return configuration;
  }

  return {
    settings,
    async begin(db, input) {
      let config: client.Configuration;
      try {
        config = await discover();
      } catch {
        throw new OidcFailure("discovery_failed");
      }
      const state = client.randomState();
      const nonce = client.randomNonce();
      const codeVerifier = client.randomPKCECodeVerifier();
      const browserBinding = randomBytes(32).toString("base64url");
      await db.query(
        `INSERT INTO airlock.oidc_login_states
           (state_hash, browser_hash, code_verifier, nonce, redirect_uri, return_to, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
        [
          hashSecret(state),
          hashSecret(browserBinding),
          codeVerifier,
          nonce,
          input.redirectUri,
          input.returnTo,
          STATE_TTL_SECONDS,
        ],
      );
      // Opportunistic cleanup of abandoned sign-ins.
      await db.query(
        `DELETE FROM airlock.oidc_login_states WHERE state_hash IN (
           SELECT state_hash FROM airlock.oidc_login_states WHERE expires_at < now() LIMIT 100)`,
      );
      const supported = config.serverMetadata().scopes_supported ?? [];
      const scope = ["openid", "email", "profile", ...(supported.includes("groups") ? ["groups"] : [])];
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: input.redirectUri,
        scope: scope.join(" "),
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      return { url: url.href, browserBinding };
    },

    async complete(db, input) {
      const state = input.query.get("state");
      if (!state || state.length > 512) throw new OidcFailure("state_missing");
      const consumed = await db.query<{
        browser_hash: string;
        code_verifier: string;
        nonce: string;
        redirect_uri: string;
        return_to: string;
        live: boolean;
      }>(
        `DELETE FROM airlock.oidc_login_states WHERE state_hash = $1
         RETURNING browser_hash, code_verifier, nonce, redirect_uri, return_to, expires_at > now() AS live`,
        [hashSecret(state)],
      );
      const row = consumed.rows[0];
      if (!row) throw new OidcFailure("state_unknown_or_used");
      if (!row.live) throw new OidcFailure("state_expired");
      if (!input.browserBinding || hashSecret(input.browserBinding) !== row.browser_hash)
        throw new OidcFailure("browser_mismatch");
      const providerError = input.query.get("error");
      if (providerError) throw new OidcFailure(`provider_error:${providerError.slice(0, 64)}`);

      let config: client.Configuration;
      try {
        config = await discover();
      } catch {
        throw new OidcFailure("discovery_failed");
      }
      // openid-client sends the current URL without its query as redirect_uri; it must be the
      // exact URI the flow started with.
      const currentUrl = new URL(row.redirect_uri);
      for (const [key, value] of input.query) currentUrl.searchParams.append(key, value);
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: row.code_verifier,
          expectedState: state,
          expectedNonce: row.nonce,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims()!;
        let userinfo: Record<string, unknown> = {};
        if (config.serverMetadata().userinfo_endpoint) {
          userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        }
        // The signed ID token wins over userinfo where both say something.
        claims = { ...userinfo, ...idClaims };
      } catch (error) {
        const code = (error as { error?: string; code?: string }).error ?? (error as { code?: string }).code;
        throw new OidcFailure(`token_exchange_failed${code ? `:${String(code).slice(0, 64)}` : ""}`);
      }
      return { identity: identityOf(settings, claims), returnTo: row.return_to };
    },
  };
}

function identityOf(settings: OidcSettings, claims: Record<string, unknown>): OidcIdentity {
  const email = typeof claims.email === "string" ? claims.email.trim() : null;
  let groups: string[] | null = null;
  if (settings.groupsClaim) {
    const raw = claims[settings.groupsClaim];
    groups = Array.isArray(raw)
      ? raw.filter((g): g is string => typeof g === "string")
      : typeof raw === "string"
        ? [raw]
        : [];
  }
  return {
    issuer: typeof claims.iss === "string" ? claims.iss : settings.issuer,
    subject: String(claims.sub),
    email: email && email.length <= 320 ? email : null,
    // Some providers send "true" as a string; anything else is not verified.
    emailVerified: claims.email_verified === true || claims.email_verified === "true",
    name: typeof claims.name === "string" && claims.name.trim() ? claims.name.trim().slice(0, 200) : null,
    groups,
  };
}

function isLoopback(issuer: string): boolean {
  const host = new URL(issuer).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}

/** A path on this site to return to after sign-in; anything else (other sites, `//x`) is `/`. */
export function safeReturnTo(value: string | undefined | null): string {
  if (!value || value.length > 2_000) return "/";
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return "/";
  return value;
}
