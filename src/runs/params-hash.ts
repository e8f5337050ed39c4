// The canonical hash of a run's parameters: what an approval binds to and what an idempotency
// key is compared against. Keys are sorted at every level so that {a,b} and {b,a} hash the same.
//
// Keyed (HMAC-SHA-256 under a key sealed by the master key, secrets/sealed-keys.ts) when there is
// one: the row shows classified fields masked, and a card's BIN and last four leave 10^5
// candidates, so a plain hash of the parameters would give the card number back to anyone with a
// database dump. Keyed hashes carry the prefix `k1:`; hashes stored before keying are plain
// SHA-256 and are compared in their own scheme (`paramsHashAs`).
import { createHash, createHmac } from "node:crypto";

export const KEYED_HASH_PREFIX = "k1:";

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function paramsHash(action: string, params: unknown, key: Buffer | null = null): string {
  if (!key)
    return createHash("sha256").update(action).update("\0").update(canonicalJson(params)).digest("hex");
  return (
    KEYED_HASH_PREFIX +
    createHmac("sha256", key).update(action).update("\0").update(canonicalJson(params)).digest("hex")
  );
}

/** The hash of `params` in the scheme of a stored hash (keyed or plain), to compare with it. */
export function paramsHashAs(stored: string, action: string, params: unknown, key: Buffer | null): string {
  return paramsHash(action, params, stored.startsWith(KEYED_HASH_PREFIX) ? key : null);
}
