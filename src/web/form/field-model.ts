// A form, read from an action's parameters' JSON Schema (z.toJSONSchema plus Airlock's .meta()
// keys): one field model per property, the checks the schema states (required, min/max, length,
// pattern, integer, enum) run in the browser before submitting, and the typed parameters built
// from what was typed. The server validates again; its issues are mapped back by path.
import type { JsonSchema } from "./json-schema.ts";
import { formatMoney, minorToInput, parseMoney } from "./money.ts";

export type Widget =
  | "text"
  | "textarea"
  | "number"
  | "money"
  | "boolean"
  | "select"
  | "lookup"
  | "date"
  | "datetime";

const WIDGETS = new Set<Widget>([
  "text",
  "textarea",
  "number",
  "money",
  "boolean",
  "select",
  "lookup",
  "date",
  "datetime",
]);

export interface FieldModel {
  name: string;
  label: string;
  help: string | null;
  placeholder: string | null;
  widget: Widget;
  kind: "string" | "integer" | "number" | "boolean";
  required: boolean;
  nullable: boolean;
  options: { value: string; label: string }[] | null;
  numericOptions: boolean;
  minimum: number | null;
  maximum: number | null;
  exclusiveMinimum: number | null;
  exclusiveMaximum: number | null;
  minLength: number | null;
  maxLength: number | null;
  pattern: string | null;
  format: string | null;
  currency: string;
  /** The schema names the currency; otherwise it follows the chosen target (see withCurrency). */
  currencyFixed: boolean;
  lookup: string | null;
  pii: string | null;
  defaultValue: unknown;
}

export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** "accountId" → "Account ID", "amount_cents" → "Amount cents". */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((w) => (w === "id" ? "ID" : w));
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The non-null branch of `anyOf: [X, { type: "null" }]`, and whether null was allowed. */
function unwrapNullable(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const nonNull = branches.filter((b) => b.type !== "null");
    if (nonNull.length === 1 && nonNull.length < branches.length) {
      const { anyOf: _a, oneOf: _o, ...rest } = schema;
      return { schema: { ...rest, ...nonNull[0] }, nullable: true };
    }
  }
  if (Array.isArray(schema.type) && schema.type.includes("null")) {
    const types = schema.type.filter((t) => t !== "null");
    return { schema: { ...schema, type: types.length === 1 ? types[0] : types }, nullable: true };
  }
  return { schema, nullable: false };
}

function kindOf(schema: JsonSchema): FieldModel["kind"] {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "integer" || type === "number" || type === "boolean") return type;
  if (schema.enum?.length && schema.enum.every((v) => typeof v === "number")) return "number";
  return "string";
}

function widgetOf(schema: JsonSchema, kind: FieldModel["kind"]): Widget {
  const declared = schema.widget as Widget | undefined;
  if (declared && WIDGETS.has(declared)) return declared;
  if (schema.lookup) return "lookup";
  if (schema.enum?.length) return "select";
  if (kind === "boolean") return "boolean";
  if (kind === "integer" || kind === "number") return "number";
  if (schema.format === "date") return "date";
  if (schema.format === "date-time") return "datetime";
  // An email address is one line, however long the schema lets it be (254).
  if (schema.format === "email") return "text";
  if ((schema.maxLength ?? 0) > 200) return "textarea";
  return "text";
}

export function fieldsOf(paramsSchema: JsonSchema | null | undefined): FieldModel[] {
  const required = new Set(paramsSchema?.required ?? []);
  return Object.entries(paramsSchema?.properties ?? {}).map(([name, raw]) => {
    const { schema, nullable } = unwrapNullable(raw);
    const kind = kindOf(schema);
    const widget = widgetOf(schema, kind);
    const options = schema.enum?.length
      ? schema.enum.map((v) => ({ value: String(v), label: String(v) }))
      : null;
    return {
      name,
      label: schema.label ?? raw.label ?? schema.title ?? humanize(name),
      help: schema.help ?? raw.help ?? schema.description ?? null,
      placeholder: schema.placeholder ?? raw.placeholder ?? null,
      widget,
      kind,
      required: required.has(name),
      nullable,
      options,
      numericOptions: !!schema.enum?.length && schema.enum.every((v) => typeof v === "number"),
      minimum: num(schema.minimum),
      maximum: num(schema.maximum),
      exclusiveMinimum: num(schema.exclusiveMinimum),
      exclusiveMaximum: num(schema.exclusiveMaximum),
      minLength: num(schema.minLength),
      maxLength: num(schema.maxLength),
      pattern: typeof schema.pattern === "string" ? schema.pattern : null,
      format: typeof schema.format === "string" ? schema.format : null,
      currency: typeof schema.currency === "string" ? schema.currency : "USD",
      currencyFixed: typeof schema.currency === "string",
      lookup: typeof schema.lookup === "string" ? schema.lookup : null,
      pii: (schema.pii ?? raw.pii ?? null) as string | null,
      defaultValue: schema.default ?? raw.default,
    };
  });
}

/**
 * Money fields in the currency of what the form acts on: a lookup option may carry the target's
 * currency (`{ value: "acc_1", label: "…", currency: "EUR" }`), and an amount whose schema does not
 * name a currency is then entered and shown in it, not in the default dollars.
 */
export function withCurrency(fields: FieldModel[], currency: string | null): FieldModel[] {
  if (!currency) return fields;
  return fields.map((f) => (f.widget === "money" && !f.currencyFixed ? { ...f, currency } : f));
}

/** `YYYY-MM-DDTHH:mm` in local time, what <input type="datetime-local"> shows. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function initialValue(field: FieldModel): FormValue {
  const d = field.defaultValue;
  if (field.widget === "boolean" || field.kind === "boolean") return d === true;
  if (d === undefined || d === null) return "";
  if (field.widget === "money" && typeof d === "number") return minorToInput(d, field.currency);
  if (field.widget === "datetime" && typeof d === "string") return toLocalInput(d);
  return String(d);
}

export function initialValues(fields: FieldModel[]): FormValues {
  return Object.fromEntries(fields.map((f) => [f.name, initialValue(f)]));
}

/**
 * The form's values with some filled in from outside (a row action, "Run this action again"):
 * `params` as the API takes them (money in minor units). Masked values (with "•") and values of
 * unknown fields are left out: a masked value was never what ran.
 */
export function prefilledValues(fields: FieldModel[], params: Record<string, unknown>): FormValues {
  const values = initialValues(fields);
  for (const field of fields) {
    const raw = params[field.name];
    if (raw === undefined || raw === null || typeof raw === "object") continue;
    if (typeof raw === "string" && raw.includes("•")) continue;
    if (field.widget === "boolean" || field.kind === "boolean")
      values[field.name] = raw === true || raw === "true";
    else if (field.widget === "money" && Number.isFinite(Number(raw)))
      values[field.name] = minorToInput(Number(raw), field.currency);
    else if (field.widget === "datetime") values[field.name] = toLocalInput(String(raw));
    else values[field.name] = String(raw);
  }
  return values;
}

function isEmpty(value: FormValue): boolean {
  return typeof value === "string" && value.trim() === "";
}

function describeBound(field: FieldModel, value: number): string {
  return field.widget === "money" ? formatMoney(value, field.currency) : value.toLocaleString("en-US");
}

function checkNumber(field: FieldModel, n: number): string | null {
  if (field.kind === "integer" && !Number.isInteger(n)) return "Enter a whole number";
  if (field.minimum !== null && n < field.minimum)
    return `Must be at least ${describeBound(field, field.minimum)}`;
  if (field.exclusiveMinimum !== null && n <= field.exclusiveMinimum)
    return `Must be more than ${describeBound(field, field.exclusiveMinimum)}`;
  if (field.maximum !== null && n > field.maximum)
    return `Must be at most ${describeBound(field, field.maximum)}`;
  if (field.exclusiveMaximum !== null && n >= field.exclusiveMaximum)
    return `Must be less than ${describeBound(field, field.exclusiveMaximum)}`;
  return null;
}

function compile(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, "u");
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return null;
    }
  }
}

/** The first problem with one field's value, as a sentence for the person typing, or null. */
export function validateField(field: FieldModel, value: FormValue): string | null {
  if (field.widget === "boolean" || typeof value === "boolean") return null;
  if (isEmpty(value)) {
    if (!field.required || field.nullable) return null;
    return field.widget === "select" || field.widget === "lookup" ? "Choose an option" : "Required";
  }
  if (field.widget === "money") {
    const parsed = parseMoney(value, field.currency);
    if (!parsed.ok) return parsed.message;
    return checkNumber(field, parsed.minor);
  }
  if (field.kind === "integer" || field.kind === "number") {
    const n = Number(value.trim());
    if (!Number.isFinite(n)) return "Enter a number";
    if (field.options && !field.options.some((o) => o.value === value)) return "Choose one of the options";
    return checkNumber(field, n);
  }
  if (field.options && !field.options.some((o) => o.value === value)) return "Choose one of the options";
  if (field.widget === "datetime") {
    return Number.isNaN(new Date(value).getTime()) ? "Enter a date and time" : null;
  }
  if (field.widget === "date" || field.format === "date") {
    return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))
      ? null
      : "Enter a date (YYYY-MM-DD)";
  }
  if (field.minLength !== null && value.length < field.minLength)
    return field.minLength === 1 ? "Required" : `Enter at least ${field.minLength} characters`;
  if (field.maxLength !== null && value.length > field.maxLength)
    return `Use at most ${field.maxLength.toLocaleString("en-US")} characters`;
  if (field.format === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return "Enter an email address";
  if (field.pattern) {
    const re = compile(field.pattern);
    if (re && !re.test(value))
      return field.help ? `Not in the expected format: ${field.help}` : "Not in the expected format";
  }
  return null;
}

export function validateAll(fields: FieldModel[], values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const message = validateField(field, values[field.name] ?? initialValue(field));
    if (message) errors[field.name] = message;
  }
  return errors;
}

/** The typed parameters to send: numbers as numbers, money in minor units, empty optionals left out. */
export function toParams(fields: FieldModel[], values: FormValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name] ?? initialValue(field);
    if (typeof value === "boolean") {
      params[field.name] = value;
      continue;
    }
    if (isEmpty(value)) {
      if (field.nullable && field.required) params[field.name] = null;
      continue;
    }
    if (field.widget === "money") {
      const parsed = parseMoney(value, field.currency);
      params[field.name] = parsed.ok ? parsed.minor : value;
    } else if (field.kind === "integer" || field.kind === "number") {
      params[field.name] = Number(value.trim());
    } else if (field.widget === "datetime") {
      const d = new Date(value);
      params[field.name] = Number.isNaN(d.getTime()) ? value : d.toISOString();
    } else {
      params[field.name] = value;
    }
  }
  return params;
}

/** Shown in the confirmation step: each field's value as the person entered it. */
export function displayValue(field: FieldModel, value: FormValue): string {
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (isEmpty(value)) return "—";
  if (field.widget === "money") {
    const parsed = parseMoney(value, field.currency);
    return parsed.ok ? formatMoney(parsed.minor, field.currency) : value;
  }
  if (field.widget === "datetime") {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d.toLocaleString("en-US");
  }
  return value;
}

/**
 * Server issues by field. Params issues come with paths relative to the parameters (`["amount"]`)
 * or prefixed (`["params", "amount"]`); the reason's with `["reason"]`. Anything else is shown
 * above the form.
 */
export function issuesByField(
  fields: FieldModel[],
  issues: { path: (string | number)[]; code: string; message: string }[],
): { fields: Record<string, string>; reason: string | null; other: string[] } {
  const names = new Set(fields.map((f) => f.name));
  const result: { fields: Record<string, string>; reason: string | null; other: string[] } = {
    fields: {},
    reason: null,
    other: [],
  };
  for (const issue of issues) {
    const path = issue.path[0] === "params" ? issue.path.slice(1) : issue.path;
    const head = path[0];
    if (issue.path[0] === "reason" && (issue.code === "reason_required" || !names.has("reason"))) {
      result.reason ??= issue.message;
    } else if (typeof head === "string" && names.has(head)) {
      result.fields[head] ??= issue.message;
    } else {
      result.other.push(path.length ? `${path.join(".")}: ${issue.message}` : issue.message);
    }
  }
  return result;
}
