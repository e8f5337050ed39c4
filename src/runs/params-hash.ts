// The canonical hash of a run's parameters: what an approval binds to and what an idempotency
// key is compared against. Keys are sorted at every level so that {a,b} and {b,a} hash the same.
import { createHash } from "node:crypto";

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function paramsHash(action: string, params: unknown): string {
  return createHash("sha256").update(action).update("\0").update(canonicalJson(params)).digest("hex");
}
