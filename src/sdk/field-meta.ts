import type { PiiClass } from "./pii-class.ts";

/**
 * Metadata a parameter or output field can carry through zod's `.meta()`. It drives the generated
 * form (label, help, widget), masking (`pii`) and lookups; it survives `z.toJSONSchema`.
 *
 * @example
 * z.number().int().positive().meta({ label: "Amount", widget: "money", currency: "USD" })
 */
export interface FieldMeta {
  label?: string;
  help?: string;
  placeholder?: string;
  widget?: "text" | "textarea" | "number" | "money" | "boolean" | "select" | "lookup" | "date" | "datetime";
  /** ISO 4217 currency of a `money` field (amounts are in minor units). */
  currency?: string;
  /** Name of an action that returns `{ options: [{ value, label }] }` for a `lookup` field. */
  lookup?: string;
  /**
   * On an output field: actions a result row offers for this value (a row's "Clear fraud flag");
   * each opens that action's form with the value in its parameter of the same name (`account_id`
   * fills `accountId`). Shown only to people who may run the action.
   */
  actions?: string[];
  pii?: PiiClass;
}

declare module "zod" {
  interface GlobalMeta extends FieldMeta {}
}
