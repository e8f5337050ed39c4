// One action as its author wrote it → the checked form the control layer runs: a strict params
// schema, JSON Schemas for the form and the result, the PII field paths, policies and a version.
import { z } from "zod";
import { type PiiField, piiFieldsOf } from "../pii/pii-fields.ts";
import type { AnyAction, Risk } from "../sdk/define-action.ts";
import { durationMs } from "../sdk/duration.ts";
import { actionVersion } from "./action-version.ts";
import { type CompiledLimits, compileLimits } from "./compile-limits.ts";
import { type CompiledPolicy, compilePolicies } from "./compile-policies.ts";
import { DASHED_NAME_PATTERN, NAME_PATTERN } from "./workspace-names.ts";

const DEFAULT_TIMEOUT_MS = 30_000;

export interface CompiledAction {
  name: string;
  title: string;
  description: string;
  tags: string[];
  risk: Risk;
  version: string;
  /** The parameters' schema with unknown keys rejected. */
  params: z.ZodObject;
  paramsJsonSchema: Record<string, unknown>;
  output: z.ZodType | null;
  outputJsonSchema: Record<string, unknown> | null;
  piiParams: PiiField[];
  piiOutput: PiiField[];
  policies: CompiledPolicy[];
  reasonRequired: boolean;
  timeoutMs: number;
  retry: "safe" | "never";
  execution: "queued" | "inline";
  limits: CompiledLimits;
  definition: AnyAction;
}

/** Null when the action has problems (pushed onto `problems`, each prefixed with `where`). */
export function compileAction(action: AnyAction, where: string, problems: string[]): CompiledAction | null {
  if (action?.kind !== "action") {
    problems.push(`${where}: not an action; wrap it in defineAction({ ... }).`);
    return null;
  }
  const before = problems.length;
  if (typeof action.name !== "string" || !NAME_PATTERN.test(action.name)) {
    problems.push(
      `${where}: the name must be snake_case (like "issue_credit"), got ${JSON.stringify(action.name)}.`,
    );
  }
  if (typeof action.title !== "string" || action.title.trim() === "")
    problems.push(`${where}: a title is required.`);
  if (typeof action.handler !== "function") problems.push(`${where}: a handler function is required.`);
  if (!(action.params instanceof z.ZodObject)) {
    problems.push(`${where}: params must be a z.object({ ... }) schema.`);
    return null;
  }
  const params = action.params.strict();
  let paramsJsonSchema: Record<string, unknown> = {};
  try {
    paramsJsonSchema = z.toJSONSchema(params, { io: "input", unrepresentable: "throw" }) as Record<
      string,
      unknown
    >;
  } catch (error) {
    problems.push(
      `${where}: the params schema cannot be shown as a form (JSON Schema): ${(error as Error).message}`,
    );
  }
  let outputJsonSchema: Record<string, unknown> | null = null;
  if (action.output !== undefined) {
    if (!(action.output instanceof z.ZodType)) {
      problems.push(`${where}: output must be a zod schema.`);
    } else {
      try {
        outputJsonSchema = z.toJSONSchema(action.output, { io: "output", unrepresentable: "any" }) as Record<
          string,
          unknown
        >;
      } catch (error) {
        problems.push(`${where}: the output schema cannot be represented: ${(error as Error).message}`);
      }
    }
  }
  const risk = action.risk ?? "low";
  if (!["low", "medium", "high", "critical"].includes(risk))
    problems.push(`${where}: risk must be low, medium, high or critical.`);
  const tags = [...(action.tags ?? [])];
  for (const tag of tags) {
    if (!DASHED_NAME_PATTERN.test(tag))
      problems.push(`${where}: tag "${tag}" must be lowercase letters, digits and dashes.`);
  }
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  try {
    if (action.timeout !== undefined) timeoutMs = durationMs(action.timeout);
  } catch (error) {
    problems.push(`${where}: timeout: ${(error as Error).message}`);
  }
  if (action.retry !== undefined && action.retry !== "safe" && action.retry !== "never") {
    problems.push(`${where}: retry must be "safe" or "never".`);
  }
  if (action.execution !== undefined && action.execution !== "queued" && action.execution !== "inline") {
    problems.push(`${where}: execution must be "queued" or "inline".`);
  }
  const policies = compilePolicies(action, where, problems);
  const limits = compileLimits(action.limits, where, problems, action.execution ?? "queued");
  if (problems.length > before) return null;
  return {
    name: action.name,
    title: action.title,
    description: action.description ?? "",
    tags,
    risk,
    version: actionVersion(action, paramsJsonSchema, outputJsonSchema, policies),
    params,
    paramsJsonSchema,
    output: action.output ?? null,
    outputJsonSchema,
    piiParams: piiFieldsOf(paramsJsonSchema),
    piiOutput: outputJsonSchema ? piiFieldsOf(outputJsonSchema) : [],
    policies,
    reasonRequired: action.reasonRequired ?? false,
    timeoutMs,
    retry: action.retry ?? "never",
    execution: action.execution ?? "queued",
    limits,
    definition: action,
  };
}
