// Masking by classification: the action's schemas say which fields are PII (`.meta({ pii })`),
// compiled once into paths. A second, independent net catches values that merely look like card
// numbers, SSNs or emails anywhere in free-form data (snapshots, error messages), because masking
// must not depend on a handler remembering to classify.
import { maskValue } from "./pii-classes.ts";

export type FieldPath = (string | "*")[];

export interface ClassifiedField {
  path: FieldPath;
  piiClass: string;
}

/** Return a copy of `value` with every classified field masked. Untouched branches are shared. */
export function maskFields(value: unknown, fields: readonly ClassifiedField[]): unknown {
  let result = value;
  for (const field of fields) result = maskAt(result, field.path, 0, field.piiClass);
  return result;
}

function maskAt(value: unknown, path: FieldPath, index: number, piiClass: string): unknown {
  if (value === null || value === undefined) return value;
  if (index === path.length) return maskValue(piiClass, value);
  const key = path[index]!;
  if (key === "*") {
    if (!Array.isArray(value)) return value;
    return value.map((item) => maskAt(item, path, index + 1, piiClass));
  }
  if (typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, key)) return value;
  const record = value as Record<string, unknown>;
  return { ...record, [key]: maskAt(record[key], path, index + 1, piiClass) };
}

/** Read the raw value at a concrete path (array indexes as numbers or numeric strings). */
export function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[String(key)];
  }
  return current;
}

/** How many values (not null) a classified field holds in `value`: `*` spans every array item. */
export function countAt(value: unknown, path: FieldPath, index = 0): number {
  if (value === null || value === undefined) return 0;
  if (index === path.length) return 1;
  const key = path[index]!;
  if (key === "*") {
    if (!Array.isArray(value)) return 0;
    return value.reduce((sum: number, item) => sum + countAt(item, path, index + 1), 0);
  }
  if (typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, key)) return 0;
  return countAt((value as Record<string, unknown>)[key], path, index + 1);
}

/** The classification covering a concrete path, if any (`*` matches any array index). */
export function classOfPath(
  fields: readonly ClassifiedField[],
  path: readonly (string | number)[],
): string | null {
  for (const field of fields) {
    if (field.path.length !== path.length) continue;
    if (
      field.path.every((segment, i) =>
        segment === "*" ? /^\d+$/.test(String(path[i])) : segment === String(path[i]),
      )
    ) {
      return field.piiClass;
    }
  }
  return null;
}

const CARD_CANDIDATE = /\b(?:\d[ -]?){12,18}\d\b/g;
const SSN = /\b\d{3}-\d{2}-\d{4}\b/g;
const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;

/** Mask anything in free text that looks like a card number (Luhn-valid), an SSN or an email. */
export function scrubText(text: string): string {
  return text
    .replace(CARD_CANDIDATE, (match) =>
      luhn(match.replace(/\D/g, "")) ? String(maskValue("card_number", match)) : match,
    )
    .replace(SSN, (match) => String(maskValue("ssn", match)))
    .replace(EMAIL, (match) => String(maskValue("email", match)));
}

/** scrubText over every string in a JSON-like value. */
export function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubText(value);
  if (value === null || typeof value !== "object" || depth > 32) return value;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = scrubDeep(item, depth + 1);
  return out;
}

export function luhn(digits: string): boolean {
  if (digits.length < 12 || digits.length > 19) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
