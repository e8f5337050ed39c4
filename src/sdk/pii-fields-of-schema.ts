import { z } from "zod";
import type { ClassifiedField } from "../pii/mask.ts";
import { piiFieldsOf } from "../pii/pii-fields.ts";

const cache = new WeakMap<z.ZodType, ClassifiedField[]>();

/** The PII-classified fields of a zod schema (from `.meta({ pii })`), as paths. */
export function piiFieldsOfSchema(schema: z.ZodType): ClassifiedField[] {
  let fields = cache.get(schema);
  if (!fields) {
    fields = piiFieldsOf(
      z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as Record<string, unknown>,
    );
    cache.set(schema, fields);
  }
  return fields;
}
