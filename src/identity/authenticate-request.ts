// Who is calling: an API token (`Authorization: Bearer alk_…`) or a session cookie. A credential
// that is present but bad is an error (401), not an anonymous request.
import type pg from "pg";
import { AirlockError } from "../errors/airlock-error.ts";
import { principalFromToken } from "./api-tokens.ts";
import type { Principal } from "./principal.ts";
import type { TokenCache } from "./token-cache.ts";

export interface RequestCredentials {
  authorization: string | null;
  cookie: string | null;
  /** For the CSRF check of cookie-authenticated requests (csrf.ts). */
  method?: string;
  csrf?: string | null;
  origin?: string | null;
  /** The URL the request was addressed to (its origin is "same origin" without a public URL). */
  url?: string;
}

export type AuthResult =
  | { principal: Principal; error: null }
  | { principal: null; error: AirlockError | null };

/** Null when the request carries no session cookie at all (an anonymous request). */
export type SessionResolver = (
  db: Pick<pg.Pool, "query">,
  request: RequestCredentials,
) => Promise<AuthResult | null>;

// Submitting a run: the run's transaction checks the credentials' version with its BEGIN (in the
// same round trip), so a cached principal needs no read of its own (token-cache.ts).
const RUN_SUBMIT = /^\/api\/v1\/actions\/[^/?#]+\/runs(?:[?#]|$)/;

function submitsRun(credentials: RequestCredentials): boolean {
  if (credentials.method !== "POST" || !credentials.url) return false;
  const path = credentials.url.startsWith("/")
    ? credentials.url
    : credentials.url.replace(/^[a-z]+:\/\/[^/]+/i, "");
  return RUN_SUBMIT.test(path);
}

export async function authenticateRequest(
  db: Pick<pg.Pool, "query">,
  credentials: RequestCredentials,
  sessions: SessionResolver | null = null,
  tokens: TokenCache | null = null,
): Promise<AuthResult> {
  if (credentials.authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(credentials.authorization);
    if (!match)
      return {
        principal: null,
        error: new AirlockError("auth.token_invalid", "The Authorization header must be `Bearer <token>`."),
      };
    const principal = await principalFromToken(db, match[1]!, tokens, { fenced: submitsRun(credentials) });
    return principal
      ? { principal, error: null }
      : { principal: null, error: new AirlockError("auth.token_invalid") };
  }
  if (credentials.cookie && sessions) {
    const result = await sessions(db, credentials);
    if (result) return result;
  }
  return { principal: null, error: null };
}
