// Where the PII is in a schema. Classification lives in the zod metadata (`.meta({ pii })`),
// which `z.toJSONSchema` carries into the JSON Schema; we read it from there once, at start, so
// masking is a walk over known paths rather than a schema traversal per value.

import type { ClassifiedField, FieldPath } from "./mask.ts";

export type { FieldPath };
export type PiiField = ClassifiedField;

export function piiFieldsOf(schema: Record<string, unknown>): PiiField[] {
  const found: PiiField[] = [];
  walk(schema, [], found, schema, 0);
  return found;
}

function walk(
  node: unknown,
  path: FieldPath,
  found: PiiField[],
  root: Record<string, unknown>,
  depth: number,
): void {
  if (!node || typeof node !== "object" || depth > 32) return;
  const schema = node as Record<string, unknown>;
  if (typeof schema.pii === "string") {
    found.push({ path, piiClass: schema.pii });
    return;
  }
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#/")) {
    const target = schema.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>(
        (acc, key) => (acc && typeof acc === "object" ? (acc as Record<string, unknown>)[key] : undefined),
        root,
      );
    walk(target, path, found, root, depth + 1);
  }
  const properties = schema.properties;
  if (properties && typeof properties === "object") {
    for (const [key, child] of Object.entries(properties))
      walk(child, [...path, key], found, root, depth + 1);
  }
  if (schema.items && typeof schema.items === "object")
    walk(schema.items, [...path, "*"], found, root, depth + 1);
  for (const combinator of ["anyOf", "oneOf", "allOf"] as const) {
    const options = schema[combinator];
    if (Array.isArray(options)) for (const option of options) walk(option, path, found, root, depth + 1);
  }
}
