// Server-side browser sessions. The cookie carries 256 random bits; the sessions table keeps only
// their SHA-256, so a copy of the table (a backup, a replica) holds no usable cookie. Every request
// looks the session up again, so logout, user disable and expiry take effect on the next request.
import { createHash, randomBytes } from "node:crypto";
import type { ClientInfo } from "../audit/audit-event.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import type { AuthResult, RequestCredentials, SessionResolver } from "./authenticate-request.ts";
import { checkCsrf } from "./csrf.ts";
import type { Principal } from "./principal.ts";

export interface SessionPolicy {
  /** Idle timeout, sliding: each request (at most once per `touchEveryMs`) pushes it forward. */
  idleMs: number;
  /** Absolute timeout from sign-in, never extended. */
  absoluteMs: number;
  /** Bound on writes: last_seen_at moves at most this often per session. */
  touchEveryMs: number;
}

// OWASP ASVS 5 (7.3): idle timeout of 30 minutes and an absolute lifetime of 12 hours suit an
// internal tool that can move money; a working day fits in one session, a forgotten tab does not.
export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 3_600_000,
  touchEveryMs: 60_000,
};

/** `__Host-` binds the cookie to this exact origin (no Domain, Path=/, Secure), so only over TLS. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-airlock_session" : "airlock_session";
}

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export function hashSecret(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** A short, non-secret reference to a session for the audit trail and logs. */
export function sessionRef(idHash: string): string {
  return idHash.slice(0, 16);
}

/** The first cookie called `name` in a Cookie header, or null. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export interface NewSession {
  cookieValue: string;
  idHash: string;
  csrfToken: string;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

/**
 * A new session for `userId`. Rotation: every sign-in gets a fresh id, and the session the same
 * browser presented (if any) is revoked, so a cookie planted before sign-in (session fixation) is
 * worthless after it. Call inside the transaction that writes the `session.login` audit event.
 */
export async function startSession(
  db: Queryable,
  input: { userId: string; client: ClientInfo; replacing: string | null },
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<NewSession> {
  if (input.replacing && COOKIE_VALUE.test(input.replacing)) {
    await db.query(
      "UPDATE airlock.sessions SET revoked_at = now() WHERE id_hash = $1 AND revoked_at IS NULL",
      [hashSecret(input.replacing)],
    );
  }
  const cookieValue = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(32).toString("base64url");
  const idHash = hashSecret(cookieValue);
  const result = await db.query<{ idle_expires_at: Date; absolute_expires_at: Date }>(
    `INSERT INTO airlock.sessions
       (id_hash, user_id, csrf_token, idle_expires_at, absolute_expires_at, client_ip, user_agent)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4), now() + make_interval(secs => $5), $6, $7)
     RETURNING idle_expires_at, absolute_expires_at`,
    [
      idHash,
      input.userId,
      csrfToken,
      policy.idleMs / 1000,
      policy.absoluteMs / 1000,
      input.client.clientIp,
      input.client.userAgent,
    ],
  );
  const row = result.rows[0]!;
  return {
    cookieValue,
    idHash,
    csrfToken,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
  };
}

/** Ends one session (logout). Returns whether a live session was ended. */
export async function endSession(db: Queryable, idHash: string): Promise<boolean> {
  const result = await db.query(
    "UPDATE airlock.sessions SET revoked_at = now() WHERE id_hash = $1 AND revoked_at IS NULL",
    [idHash],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Ends every live session of a user (disable). Returns how many. */
export async function endUserSessions(db: Queryable, userId: string): Promise<number> {
  const result = await db.query(
    "UPDATE airlock.sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    [userId],
  );
  return result.rowCount ?? 0;
}

/** Sessions that ended more than a day ago are of no use; pruned at sign-in, a few at a time. */
export async function pruneSessions(db: Queryable): Promise<void> {
  await db.query(
    `DELETE FROM airlock.sessions WHERE id_hash IN (
       SELECT id_hash FROM airlock.sessions
        WHERE absolute_expires_at < now() - interval '1 day'
           OR idle_expires_at < now() - interval '1 day'
           OR revoked_at < now() - interval '1 day'
        LIMIT 200)`,
  );
}

interface SessionRow {
  id_hash: string;
  csrf_token: string;
  live: boolean;
  stale: boolean;
  id: string;
  kind: "human" | "service";
  name: string;
  email: string | null;
  status: "active" | "disabled";
  groups: string[];
}

/**
 * Resolves the session cookie of a request into a principal, and enforces CSRF for
 * state-changing requests (csrf.ts). Null when the request carries no session cookie.
 */
export function createSessionResolver(options: {
  cookieName: string;
  /** Origin of AIRLOCK_PUBLIC_URL; without it, the origin the request was addressed to. */
  publicOrigin: string | null;
  policy?: SessionPolicy;
}): SessionResolver {
  const policy = options.policy ?? DEFAULT_SESSION_POLICY;
  return async (db, request: RequestCredentials): Promise<AuthResult | null> => {
    const value = readCookie(request.cookie, options.cookieName);
    if (value === null) return null;
    const ended = { principal: null, error: new AirlockError("auth.session_expired") };
    if (!COOKIE_VALUE.test(value)) return ended;
    const idHash = hashSecret(value);
    const result = await db.query<SessionRow>(
      `SELECT s.id_hash, s.csrf_token,
              (s.revoked_at IS NULL AND s.idle_expires_at > now() AND s.absolute_expires_at > now()) AS live,
              (s.last_seen_at < now() - make_interval(secs => $2)) AS stale,
              u.id, u.kind, u.name, u.email, u.status,
              COALESCE(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups
         FROM airlock.sessions s
         JOIN airlock.users u ON u.id = s.user_id
         LEFT JOIN airlock.group_members m ON m.user_id = u.id
         LEFT JOIN airlock.groups g ON g.id = m.group_id
        WHERE s.id_hash = $1
        GROUP BY s.id_hash, u.id`,
      [idHash, policy.touchEveryMs / 1000],
    );
    const row = result.rows[0];
    if (!row?.live || row.status !== "active") return ended;
    const expectedOrigin = options.publicOrigin ?? originOf(request.url ?? null);
    const csrfError = checkCsrf(request, expectedOrigin, row.csrf_token);
    if (csrfError) return { principal: null, error: csrfError };
    if (row.stale) {
      // Sliding idle timeout, written at most once a minute per session (the WHERE makes
      // concurrent requests of one session write once), never past the absolute limit.
      await db.query(
        `UPDATE airlock.sessions
            SET last_seen_at = now(),
                idle_expires_at = LEAST(now() + make_interval(secs => $2), absolute_expires_at)
          WHERE id_hash = $1 AND last_seen_at < now() - make_interval(secs => $3)`,
        [idHash, policy.idleMs / 1000, policy.touchEveryMs / 1000],
      );
    }
    const principal: Principal = {
      id: row.id,
      kind: row.kind,
      name: row.name,
      email: row.email,
      groups: row.groups,
      via: "session",
      sessionId: row.id_hash,
      csrfToken: row.csrf_token,
    };
    return { principal, error: null };
  };
}

function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
