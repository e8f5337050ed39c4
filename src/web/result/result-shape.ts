// How a result is best shown: a table for a list of records, key-value for a record, a single
// value otherwise; and where its PII fields are (from the action's output schema).

import { humanize } from "../form/field-model.ts";
import type { JsonSchema } from "../form/json-schema.ts";
import { formatMoney } from "../form/money.ts";

export type Path = (string | number)[];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-empty array whose items are all plain objects. */
export function isTable(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every(isRecord);
}

/** Union of the rows' keys, in first-seen order. */
export function columnsOf(rows: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

export function compareCells(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "en", { numeric: true, sensitivity: "base" });
}

/** A classified field of a schema: `["card"]`, `["rows", "*", "email"]`. */
export interface PiiPath {
  path: (string | "*")[];
  piiClass: string;
}

export function piiPathsOf(schema: JsonSchema | null | undefined): PiiPath[] {
  const found: PiiPath[] = [];
  const walk = (node: JsonSchema | undefined, path: (string | "*")[], depth: number) => {
    if (!node || depth > 12) return;
    if (typeof node.pii === "string") found.push({ path, piiClass: node.pii });
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, [...path, key], depth + 1);
    if (node.items) walk(node.items, [...path, "*"], depth + 1);
    for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) walk(branch, path, depth + 1);
  };
  walk(schema ?? undefined, [], 0);
  return found;
}

export function piiClassAt(paths: PiiPath[], path: Path): string | null {
  for (const candidate of paths) {
    if (candidate.path.length !== path.length) continue;
    if (candidate.path.every((part, i) => (part === "*" ? typeof path[i] === "number" : part === path[i])))
      return candidate.piiClass;
  }
  return null;
}

/** Amounts travel in minor units under names like `balanceCents` or `amount_cents`. */
const MINOR_UNITS = /(?:^|[a-z0-9_])(?:Cents|_cents)$|^cents$/;

export function isMinorUnitsKey(key: string | undefined): boolean {
  return key !== undefined && MINOR_UNITS.test(key);
}

/** A column or field label: "balanceCents" → "Balance", "accountId" → "Account ID". */
export function labelOf(key: string): string {
  return humanize(isMinorUnitsKey(key) ? key.replace(/_?cents$/i, "") || key : key);
}

/** Identifiers (`journalId`, `bill_id`, `id`) are names, not quantities: no thousands separator. */
const IDENTIFIER = /(?:^id|Id|_id|ID|Number|_number)$/;

export function isIdentifierKey(key: string | undefined): boolean {
  return key !== undefined && IDENTIFIER.test(key);
}

/** Shown value of a field: money in minor units in its currency, IDs as written, the rest as formatScalar. */
export function formatField(key: string | undefined, value: unknown, currency = "USD"): string {
  if (isMinorUnitsKey(key) && typeof value === "number" && Number.isInteger(value))
    return formatMoney(value, currency);
  if (isIdentifierKey(key) && typeof value === "number") return String(value);
  return formatScalar(value);
}

/**
 * Keys of a record worth showing: a text copy of an amount (`balance: "€12.50"` next to
 * `balanceCents`) is left out, so the amount is listed once and formatted one way.
 */
export function shownKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  return keys.filter(
    (key) =>
      !(typeof record[key] === "string" && (keys.includes(`${key}Cents`) || keys.includes(`${key}_cents`))),
  );
}

export function formatScalar(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value) && value.length === 0) return "None";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "string") return value;
  if (typeof value === "number") return value.toLocaleString("en-US");
  return JSON.stringify(value);
}
