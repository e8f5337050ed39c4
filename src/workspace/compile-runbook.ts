// A runbook definition, checked and compiled: its name (unique among actions and runbooks, since
// grants name either), a strict parameter schema with its form (JSON Schema), and the actions it
// uses, each of which must exist. Whether the starter may run those actions is checked at start.
import { z } from "zod";
import type { AnyRunbook, RunbookContext } from "../sdk/define-runbook.ts";
import { NAME_PATTERN } from "./workspace-names.ts";

export interface CompiledRunbook {
  name: string;
  title: string;
  description: string;
  version: string;
  tags: string[];
  params: z.ZodObject;
  paramsJsonSchema: Record<string, unknown>;
  uses: string[];
  handler: (rb: RunbookContext, params: Record<string, unknown>) => Promise<unknown>;
}

export function compileRunbook(
  runbook: AnyRunbook,
  where: string,
  actions: ReadonlyMap<string, unknown>,
  problems: string[],
): CompiledRunbook | null {
  if (runbook?.kind !== "runbook") {
    problems.push(`${where}: not a runbook; use defineRunbook({ ... }).`);
    return null;
  }
  const before = problems.length;
  if (typeof runbook.name !== "string" || !NAME_PATTERN.test(runbook.name))
    problems.push(
      `${where}: the name must be snake_case (like "fraud_review"), got ${JSON.stringify(runbook.name)}.`,
    );
  else if (actions.has(runbook.name))
    problems.push(
      `${where}: the name "${runbook.name}" is already an action's; grants name either, so names must differ.`,
    );
  if (typeof runbook.title !== "string" || runbook.title.trim() === "")
    problems.push(`${where}: a title is required.`);
  if (typeof runbook.handler !== "function") problems.push(`${where}: a handler function is required.`);
  if (!Array.isArray(runbook.uses)) problems.push(`${where}: uses must list the actions the runbook runs.`);
  for (const name of runbook.uses ?? []) {
    if (!actions.has(name)) problems.push(`${where}: uses the action "${name}", which does not exist.`);
  }
  if (!(runbook.params instanceof z.ZodObject)) {
    problems.push(`${where}: params must be a z.object({ ... }) schema.`);
    return null;
  }
  const params = runbook.params.strict();
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
  if (problems.length > before) return null;
  return {
    name: runbook.name,
    title: runbook.title,
    description: runbook.description ?? "",
    version: runbook.version ?? "1",
    tags: [...(runbook.tags ?? [])],
    params,
    paramsJsonSchema,
    uses: [...new Set(runbook.uses)],
    handler: runbook.handler as CompiledRunbook["handler"],
  };
}
