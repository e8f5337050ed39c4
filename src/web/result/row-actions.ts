// Row actions: an output field may declare the actions a result row offers for its value
// (`.meta({ actions: ["clear_fraud_flag"] })`); each opens that action's form with the value in the
// parameter of the same name. The declaration travels in the action's output JSON Schema.
import { createContext, useContext } from "react";
import type { Path } from "./result-shape.ts";

type JsonSchema = Record<string, unknown>;

/** The output JSON Schema of the action whose result is shown (null: no row actions). */
export const OutputSchemaContext = createContext<JsonSchema | null>(null);

export function useOutputSchema(): JsonSchema | null {
  return useContext(OutputSchemaContext);
}

function schemaAt(schema: JsonSchema | null, path: Path): JsonSchema | null {
  let at: JsonSchema | null = schema;
  for (const step of path) {
    if (!at) return null;
    if (typeof step === "number") at = (at.items as JsonSchema | undefined) ?? null;
    else at = ((at.properties as Record<string, JsonSchema> | undefined)?.[step] as JsonSchema) ?? null;
  }
  return at;
}

/** For a table at `basePath` of a result: the actions each column offers, by column. */
export function rowActionsOf(schema: JsonSchema | null, basePath: Path): Record<string, string[]> {
  const items = schemaAt(schema, basePath)?.items as JsonSchema | undefined;
  const properties = (items?.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, string[]> = {};
  for (const [column, field] of Object.entries(properties)) {
    const actions = field.actions;
    if (Array.isArray(actions) && actions.every((a) => typeof a === "string") && actions.length > 0)
      out[column] = actions as string[];
  }
  return out;
}

/** `account_id` → `accountId`: a result column fills the parameter of the same name. */
export function paramNameOf(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The address of an action's form with these parameters filled in (`?accountId=acc_…`). */
export function prefilledFormPath(action: string, params: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || typeof value === "object") continue;
    query.set(key, String(value));
  }
  const text = query.toString();
  return `/actions/${encodeURIComponent(action)}${text ? `?${text}` : ""}`;
}
