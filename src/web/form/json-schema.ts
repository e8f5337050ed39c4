// The part of JSON Schema the UI reads to build forms and show results: an action's `paramsSchema`
// and `outputSchema` (GET /api/v1/actions/{name}), as z.toJSONSchema writes them, with Airlock's
// field metadata. The contract (src/api/actions.ts) types them as plain JSON objects.
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  description?: string;
  title?: string;
  // Airlock's field metadata (src/sdk/field-meta.ts), carried through z.toJSONSchema.
  label?: string;
  help?: string;
  placeholder?: string;
  widget?: string;
  currency?: string;
  lookup?: string;
  pii?: string;
  [key: string]: unknown;
};
