// An action's version: a short hash of everything that defines what it does, so a run records the
// exact definition it ran under and a changed action is visibly a new version.
import { createHash } from "node:crypto";
import type { AnyAction } from "../sdk/define-action.ts";
import type { CompiledPolicy } from "./compile-policies.ts";

export function actionVersion(
  action: AnyAction,
  params: Record<string, unknown>,
  output: Record<string, unknown> | null,
  policies: CompiledPolicy[],
): string {
  // Function bodies are part of the definition: a changed handler or policy is a new version.
  const material = JSON.stringify({
    name: action.name,
    title: action.title,
    description: action.description ?? "",
    tags: action.tags ?? [],
    risk: action.risk ?? "low",
    params,
    output,
    policies: policies.map((p) => ({ ...p, when: p.when?.toString() ?? null })),
    target: action.target?.toString() ?? null,
    handler: action.handler.toString(),
    timeout: action.timeout ?? null,
    retry: action.retry ?? null,
    execution: action.execution ?? null,
    reasonRequired: action.reasonRequired ?? false,
    // A SQL or HTTP action's handler is generic: what it sends is here.
    ...(action.uses ? { uses: action.uses } : {}),
  });
  return createHash("sha256").update(material).digest("hex").slice(0, 12);
}
