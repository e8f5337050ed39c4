import { z } from "zod";
import { maskFields } from "../pii/mask.ts";
import { piiFieldsOfSchema } from "./pii-fields-of-schema.ts";

/**
 * A copy of `value` with every field that `schema` classifies as PII masked (card: BIN + last 4,
 * SSN: last 4, email: first letter + domain, …). Airlock already masks action results through the
 * action's `output` schema; use this for values you pass elsewhere (a notification, a log line,
 * a downstream system that must not see PII).
 *
 * @example
 * const confirmation = z.object({ code: z.string(), card: z.string().meta({ pii: "card_number" }) });
 * sanitize(confirmation, { code: "C-1", card: "4242424242424242" }) // { code: "C-1", card: "424242••••••4242" }
 */
export function sanitize<T>(schema: z.ZodType<T>, value: T): T {
  return maskFields(value, piiFieldsOfSchema(schema)) as T;
}

export { z };
