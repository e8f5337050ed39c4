// Sign-in rate limits and lockout (OWASP ASVS 5, 6.3.1), kept in PostgreSQL so that every server
// process sees the same counts.
//
// Two keys per attempt: the account (the user, or for an email that names no user a keyed hash of
// it, so lockout behaves the same for unknown emails and tells an attacker nothing) and the client
// IP (password spraying across many accounts). An attempt is counted *before* the password is
// checked: the check takes ~50 ms of argon2, and counting after it would let a burst of
// concurrent guesses all pass the "not yet locked" test. A success refunds the attempt.
import { isIP } from "node:net";
import type { Queryable } from "../store/queryable.ts";

export interface ThrottleRule {
  /** Failures allowed within the window; the next failure locks. */
  max: number;
  windowMs: number;
  lockMs: number;
}

export interface ThrottlePolicy {
  account: ThrottleRule;
  ip: ThrottleRule;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  account: { max: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  // Many people behind one office NAT sign in every morning; only failures count against an IP.
  ip: { max: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
};

export type ThrottleScope = "account" | "ip";

export interface ThrottleKey {
  scope: ThrottleScope;
  key: string;
  rule: ThrottleRule;
}

/** `account` is accountKey(): never the text that was typed. */
export function throttleKeys(
  account: string,
  clientIp: string | null,
  policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY,
): ThrottleKey[] {
  const keys: ThrottleKey[] = [{ scope: "account", key: account, rule: policy.account }];
  // Requests without a peer address (in-process calls) have no IP to count against.
  if (clientIp) keys.push({ scope: "ip", key: `ip:${clientBlock(clientIp)}`, rule: policy.ip });
  return keys;
}

/**
 * The account an attempt counts against: the user it names, or for text that names no user its
 * keyed hash (identifier-hash.ts). The typed text itself is never stored: it may be a password.
 */
export function accountKey(account: { userId: string } | { identifierHash: string }): string {
  return "userId" in account ? `account:user:${account.userId}` : `account:email:${account.identifierHash}`;
}

/**
 * What the per-IP limit counts against: an IPv4 address, or an IPv6 address's /64. Every IPv6
 * client can rotate through the 2^64 addresses of its own network; counting each one apart would
 * let it spray past the limit.
 */
export function clientBlock(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

export interface Admission {
  /** The first key that refuses the attempt, or null when it may proceed. */
  lockedBy: ThrottleKey | null;
  lockedUntil: Date | null;
}

/**
 * Counts one attempt against every key and says whether it may proceed. An expired window or an
 * expired lock starts a new window. Attempts beyond `max` (concurrent ones, while the attempt that
 * reached `max` is still being checked) are refused as locked.
 */
export async function admitAttempt(db: Queryable, keys: ThrottleKey[]): Promise<Admission> {
  let refused: Admission = { lockedBy: null, lockedUntil: null };
  for (const key of keys) {
    const result = await db.query<{ attempts: number; locked_until: Date | null }>(
      `INSERT INTO airlock.login_throttle AS t (key, attempts, window_started_at)
       VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE
           WHEN t.locked_until > now() THEN t.attempts
           WHEN t.locked_until IS NOT NULL OR t.window_started_at <= now() - make_interval(secs => $2) THEN 1
           ELSE t.attempts + 1 END,
         window_started_at = CASE
           WHEN t.locked_until > now() THEN t.window_started_at
           WHEN t.locked_until IS NOT NULL OR t.window_started_at <= now() - make_interval(secs => $2) THEN now()
           ELSE t.window_started_at END,
         locked_until = CASE WHEN t.locked_until > now() THEN t.locked_until ELSE NULL END
       RETURNING attempts, locked_until`,
      [key.key, key.rule.windowMs / 1000],
    );
    const row = result.rows[0]!;
    if (!refused.lockedBy && (row.locked_until !== null || row.attempts > key.rule.max)) {
      refused = { lockedBy: key, lockedUntil: row.locked_until };
    }
  }
  return refused;
}

/**
 * Records that the admitted attempt failed. Returns the keys that this failure locked (each lock
 * is set once: the WHERE clause lets only one concurrent failure set it), for the audit.
 */
export async function recordFailure(
  db: Queryable,
  keys: ThrottleKey[],
): Promise<{ key: ThrottleKey; lockedUntil: Date }[]> {
  const locked: { key: ThrottleKey; lockedUntil: Date }[] = [];
  for (const key of keys) {
    const result = await db.query<{ locked_until: Date }>(
      `UPDATE airlock.login_throttle SET locked_until = now() + make_interval(secs => $3)
        WHERE key = $1 AND locked_until IS NULL AND attempts >= $2
        RETURNING locked_until`,
      [key.key, key.rule.max, key.rule.lockMs / 1000],
    );
    if (result.rows[0]) locked.push({ key, lockedUntil: result.rows[0].locked_until });
  }
  return locked;
}

/** A success clears the account's count and refunds the IP's attempt (only failures count). */
export async function recordSuccess(db: Queryable, keys: ThrottleKey[]): Promise<void> {
  for (const key of keys) {
    if (key.scope === "account") {
      await db.query("DELETE FROM airlock.login_throttle WHERE key = $1", [key.key]);
    } else {
      await db.query(
        `UPDATE airlock.login_throttle SET attempts = GREATEST(attempts - 1, 0)
          WHERE key = $1 AND locked_until IS NULL`,
        [key.key],
      );
    }
  }
}

/** An admin enabling a user lifts the account's lock. Returns whether a live lock was lifted. */
export async function clearAccountLock(db: Queryable, userId: string): Promise<boolean> {
  const result = await db.query<{ locked: boolean }>(
    "DELETE FROM airlock.login_throttle WHERE key = $1 RETURNING locked_until > now() AS locked",
    [accountKey({ userId })],
  );
  return result.rows[0]?.locked === true;
}

/** When the account is locked, until when (for the admin view). */
export async function accountLockedUntil(db: Queryable, userId: string): Promise<Date | null> {
  const result = await db.query<{ locked_until: Date }>(
    "SELECT locked_until FROM airlock.login_throttle WHERE key = $1 AND locked_until > now()",
    [accountKey({ userId })],
  );
  return result.rows[0]?.locked_until ?? null;
}

/** Rows whose window and lock ended long ago; pruned at sign-in, a few at a time. */
export async function pruneThrottle(db: Queryable): Promise<void> {
  await db.query(
    `DELETE FROM airlock.login_throttle WHERE key IN (
       SELECT key FROM airlock.login_throttle
        WHERE window_started_at < now() - interval '1 day'
          AND (locked_until IS NULL OR locked_until < now())
        LIMIT 200)`,
  );
}
