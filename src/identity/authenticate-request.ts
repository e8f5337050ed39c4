// Who is calling: an API token (`Authorization: Bearer alk_…`) or a session cookie. A credential
// that is present but bad is an error (401), not an anonymous request.
import type pg from "pg";
import { AirlockError } from "../errors/airlock-error.ts";
import { principalFromToken } from "./api-tokens.ts";
import type { Principal } from "./principal.ts";

export interface RequestCredentials {
  authorization: string | null;
  cookie: string | null;
}

export type AuthResult =
  | { principal: Principal; error: null }
  | { principal: null; error: AirlockError | null };

export type SessionResolver = (
  db: Pick<pg.Pool, "query">,
  cookieHeader: string,
) => Promise<AuthResult | null>;

export async function authenticateRequest(
  db: Pick<pg.Pool, "query">,
  credentials: RequestCredentials,
  sessions: SessionResolver | null = null,
): Promise<AuthResult> {
  if (credentials.authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(credentials.authorization);
    if (!match)
      return {
        principal: null,
        error: new AirlockError("auth.token_invalid", "The Authorization header must be `Bearer <token>`."),
      };
    const principal = await principalFromToken(db, match[1]!);
    return principal
      ? { principal, error: null }
      : { principal: null, error: new AirlockError("auth.token_invalid") };
  }
  if (credentials.cookie && sessions) {
    const result = await sessions(db, credentials.cookie);
    if (result) return result;
  }
  return { principal: null, error: null };
}
