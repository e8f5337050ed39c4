// Idempotency keys (Stripe's model), scoped to the actor. A key is claimed with
// INSERT … ON CONFLICT DO NOTHING in the same transaction that creates the run, so of many
// concurrent requests with one key exactly one creates a run; the others block on the unique
// index until it commits, then find the key taken and answer from that run.
import type { Queryable } from "../store/queryable.ts";

export const KEY_TTL_HOURS = 24;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function isValidKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export interface StoredKey {
  action: string;
  params_hash: string;
  run_id: string;
}

export async function findKey(db: Queryable, actorId: string, key: string): Promise<StoredKey | null> {
  const result = await db.query({
    name: "airlock.find_key",
    text: "SELECT action, params_hash, run_id FROM airlock.idempotency_keys WHERE actor_id = $1 AND key = $2 AND expires_at > now()",
    values: [actorId, key],
  });
  return (result.rows[0] as StoredKey | undefined) ?? null;
}

// An expired key may be reused: the DO UPDATE only takes over rows past their expiry. So may a key
// whose run failed with its outcome unknown (a call to another system may have taken effect), for
// the same action and parameters: the retry runs again and sends the downstream the same key,
// which is what makes it safe (Stripe does not store such a result either). The OR is evaluated
// only on a conflict.
const CLAIM = `INSERT INTO airlock.idempotency_keys (actor_id, key, action, params_hash, run_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => ${KEY_TTL_HOURS}))
     ON CONFLICT (actor_id, key) DO UPDATE
       SET action = EXCLUDED.action, params_hash = EXCLUDED.params_hash, run_id = EXCLUDED.run_id,
           created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE airlock.idempotency_keys.expires_at <= now()
          OR (airlock.idempotency_keys.action = EXCLUDED.action
              AND airlock.idempotency_keys.params_hash = EXCLUDED.params_hash
              AND EXISTS (SELECT 1 FROM airlock.runs r WHERE r.id = airlock.idempotency_keys.run_id
                            AND r.status = 'failed' AND r.error_details @> '{"outcomeUnknown": true}'))`;

interface Claim {
  actorId: string;
  key: string;
  action: string;
  paramsHash: string;
  runId: string;
}

/** true: this transaction owns the key. false: someone else's committed claim exists. */
export async function claimKey(db: Queryable, claim: Claim): Promise<boolean> {
  // Named: parsed and planned once per connection (it is on every action's path).
  const result = await db.query({
    name: "airlock.claim_key",
    text: CLAIM,
    values: [claim.actorId, claim.key, claim.action, claim.paramsHash, claim.runId],
  });
  return (result as { rowCount?: number | null }).rowCount === 1;
}

/**
 * The same claim, failing its transaction when the key is taken (`isKeyTaken` tells that error):
 * for a claim whose answer is not awaited before the statements sent behind it, which must then
 * not commit.
 */
export async function claimKeyOrAbort(db: Queryable, claim: Claim): Promise<void> {
  await db.query({
    name: "airlock.claim_key_or_abort",
    text: `WITH claimed AS (${CLAIM} RETURNING 1)
      SELECT airlock.require_row(count(*), 'the idempotency key is taken by another run', 'airlock:idempotency_key_taken')
        FROM claimed`,
    values: [claim.actorId, claim.key, claim.action, claim.paramsHash, claim.runId],
  });
}

/** The error `claimKeyOrAbort` fails with when a committed claim holds the key (migration 0182). */
export function isKeyTaken(error: unknown): boolean {
  return (error as { hint?: string } | null)?.hint === "airlock:idempotency_key_taken";
}

/** Remove keys past their expiry (kept ≥ 24 h). Returns how many were removed. */
export async function pruneKeys(db: Queryable): Promise<number> {
  const result = await db.query(
    "DELETE FROM airlock.idempotency_keys WHERE ctid IN (SELECT ctid FROM airlock.idempotency_keys WHERE expires_at <= now() LIMIT 10000)",
  );
  return (result as { rowCount?: number | null }).rowCount ?? 0;
}
