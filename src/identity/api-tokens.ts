// API tokens: random, shown once, stored as SHA-256 (a token has 190 bits of entropy, so a fast
// hash is enough; slow hashes are for low-entropy passwords). Looked up with one indexed query
// that also returns the user and their groups, or from a cache checked against the credentials'
// version on every use (token-cache.ts).
import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";
import { newId } from "../ids/ids.ts";
import type { Principal } from "./principal.ts";
import { type CachedToken, type TokenCache, withCredentialFence } from "./token-cache.ts";

export const TOKEN_PREFIX = "alk_";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(24).toString("base64url");
}

export interface CreatedToken {
  id: string;
  token: string;
  prefix: string;
}

export async function createApiToken(
  db: Pick<pg.Pool, "query">,
  input: { userId: string; name: string; createdBy: string; expiresAt?: Date | null },
): Promise<CreatedToken> {
  const token = generateToken();
  const id = newId("tok");
  const prefix = token.slice(0, 10);
  await db.query(
    `INSERT INTO airlock.api_tokens (id, user_id, name, token_hash, prefix, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [id, input.userId, input.name, hashToken(token), prefix, input.createdBy, input.expiresAt ?? null],
  );
  return { id, token, prefix };
}

interface TokenRow {
  token_id: string;
  id: string;
  kind: "human" | "service";
  name: string;
  email: string | null;
  groups: string[];
  stale_use: boolean;
  expires_at: Date | null;
  version: string;
}

// How often a token's use is recorded (api_tokens.last_used_at) at most, per token.
const USE_RECORDED_EVERY_MS = 60_000;

/**
 * The principal behind a bearer token, or null when the token is unknown, revoked, expired, or its
 * user is disabled. Uses the unique index on token_hash. With a cache, a token seen before costs a
 * read of the credentials' version instead of the lookup.
 */
export async function principalFromToken(
  db: Pick<pg.Pool, "query">,
  token: string,
  cache: TokenCache | null = null,
  options: { fenced?: boolean } = {},
): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const hash = hashToken(token);
  const cached = cache?.get(hash);
  if (cache && cached && options.fenced) {
    // The caller's transaction reads the version with its BEGIN (control/stages/transaction.ts).
    if (cached.expiresAt !== null && cached.expiresAt.getTime() <= Date.now()) {
      cache.delete(hash);
      return null;
    }
    noteUse(db, cached);
    return withCredentialFence(cached.principal, {
      version: cached.version,
      confirmed(version) {
        cached.version = version;
        cache.set(hash, cached);
      },
      forget: () => cache.delete(hash),
    });
  }
  if (cache && cached) {
    const { rows } = await db.query<{ version: string }>({
      name: "airlock.credential_version",
      text: "SELECT version FROM airlock.credential_version",
    });
    const version = rows[0]?.version;
    if (version === cached.version) {
      if (cached.expiresAt !== null && cached.expiresAt.getTime() <= Date.now()) {
        cache.delete(hash);
        return null;
      }
      noteUse(db, cached);
      return cached.principal;
    }
    if (version) cache.versionSeen(version);
  }
  const result = await db.query<TokenRow>({
    name: "airlock.principal_from_token",
    text: `SELECT t.id AS token_id, u.id, u.kind, u.name, u.email,
            COALESCE(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups,
            (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale_use,
            t.expires_at, (SELECT version FROM airlock.credential_version) AS version
       FROM airlock.api_tokens t
       JOIN airlock.users u ON u.id = t.user_id
       LEFT JOIN airlock.group_members m ON m.user_id = u.id
       LEFT JOIN airlock.groups g ON g.id = m.group_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > now())
        AND u.status = 'active'
      GROUP BY t.id, u.id`,
    values: [hash],
  });
  const row = result.rows[0];
  if (!row) {
    cache?.delete(hash);
    return null;
  }
  // Recorded at most once a minute per token, off the request's critical path.
  if (row.stale_use) recordUse(db, row.token_id);
  const principal: Principal = {
    id: row.id,
    kind: row.kind,
    name: row.name,
    email: row.email,
    groups: row.groups,
    via: "token",
    tokenId: row.token_id,
  };
  // The version came from the lookup's own snapshot: a change committed after that snapshot has
  // replaced it, so the entry cannot outlive a revocation it did not see.
  cache?.set(hash, {
    principal,
    expiresAt: row.expires_at,
    version: row.version,
    usedRecordedAt: Date.now(),
  });
  return principal;
}

function noteUse(db: Pick<pg.Pool, "query">, cached: CachedToken) {
  const now = Date.now();
  if (now - cached.usedRecordedAt < USE_RECORDED_EVERY_MS) return;
  cached.usedRecordedAt = now;
  recordUse(db, cached.principal.tokenId!);
}

/** The credentials' version, read on the caller's connection (inside its transaction). */
export async function readCredentialVersion(db: Pick<pg.Pool, "query">): Promise<string | undefined> {
  const { rows } = await db.query<{ version: string }>({
    name: "airlock.credential_version",
    text: "SELECT version FROM airlock.credential_version",
  });
  return rows[0]?.version;
}

/**
 * Fails the transaction unless the credentials' version is still `version`: for a cached
 * principal whose check is not awaited before the statements sent behind it (migration 0182).
 */
export async function requireCredentialVersion(db: Pick<pg.Pool, "query">, version: string): Promise<void> {
  await db.query({
    name: "airlock.require_credential_version",
    text: `SELECT airlock.require_row(count(*), 'the credentials changed since this principal was read', 'airlock:credential_version_moved')
             FROM airlock.credential_version WHERE version = $1::uuid`,
    values: [version],
  });
}

/** The error `requireCredentialVersion` fails with when the version moved. */
export function isCredentialVersionMoved(error: unknown): boolean {
  return (error as { hint?: string } | null)?.hint === "airlock:credential_version_moved";
}

/** The principal behind a token, by the token's id (to re-check one decided on a cached principal). */
export async function principalFromTokenId(
  db: Pick<pg.Pool, "query">,
  tokenId: string,
): Promise<Principal | null> {
  const result = await db.query<TokenRow>(
    `SELECT t.id AS token_id, u.id, u.kind, u.name, u.email,
            COALESCE(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups
       FROM airlock.api_tokens t
       JOIN airlock.users u ON u.id = t.user_id
       LEFT JOIN airlock.group_members m ON m.user_id = u.id
       LEFT JOIN airlock.groups g ON g.id = m.group_id
      WHERE t.id = $1 AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > now())
        AND u.status = 'active'
      GROUP BY t.id, u.id`,
    [tokenId],
  );
  const row = result.rows[0];
  return row
    ? {
        id: row.id,
        kind: row.kind,
        name: row.name,
        email: row.email,
        groups: row.groups,
        via: "token",
        tokenId: row.token_id,
      }
    : null;
}

function recordUse(db: Pick<pg.Pool, "query">, tokenId: string) {
  void db
    .query("UPDATE airlock.api_tokens SET last_used_at = now() WHERE id = $1", [tokenId])
    .catch(() => {});
}

/** What a token looks like to its owner and to admins: never the token or its hash. */
export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  status: "active" | "expired" | "revoked";
}

const TOKEN_COLUMNS = `id, name, prefix, user_id, created_by, created_at, last_used_at, expires_at, revoked_at,
  CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
       WHEN expires_at IS NOT NULL AND expires_at <= now() THEN 'expired'
       ELSE 'active' END AS status`;

interface TokenViewRow {
  id: string;
  name: string;
  prefix: string;
  user_id: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  status: TokenView["status"];
}

function tokenView(row: TokenViewRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    userId: row.user_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    status: row.status,
  };
}

/** Tokens of one user (or of everyone, for admins), newest first. */
export async function listTokens(
  db: Pick<pg.Pool, "query">,
  filter: { userId?: string | undefined },
): Promise<TokenView[]> {
  const result = filter.userId
    ? await db.query<TokenViewRow>(
        `SELECT ${TOKEN_COLUMNS} FROM airlock.api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`,
        [filter.userId],
      )
    : await db.query<TokenViewRow>(
        `SELECT ${TOKEN_COLUMNS} FROM airlock.api_tokens ORDER BY created_at DESC, id DESC LIMIT 1000`,
      );
  return result.rows.map(tokenView);
}

export async function getToken(db: Pick<pg.Pool, "query">, id: string): Promise<TokenView | null> {
  const result = await db.query<TokenViewRow>(
    `SELECT ${TOKEN_COLUMNS} FROM airlock.api_tokens WHERE id = $1`,
    [id],
  );
  return result.rows[0] ? tokenView(result.rows[0]) : null;
}

/** Revokes one token; false when it was already revoked. */
export async function revokeToken(db: Pick<pg.Pool, "query">, id: string): Promise<boolean> {
  const result = await db.query(
    "UPDATE airlock.api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    [id],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Revokes every live token of a user (disable). Returns how many. */
export async function revokeUserTokens(db: Pick<pg.Pool, "query">, userId: string): Promise<number> {
  const result = await db.query(
    "UPDATE airlock.api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    [userId],
  );
  return result.rowCount ?? 0;
}
