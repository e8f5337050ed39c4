// What a principal may do, action by action and verb by verb, as the UI needs it to show or hide
// buttons. It is computed with the one authorizer, so it cannot disagree with the checks that the
// API makes when the button is pressed.
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { Authorizer } from "./authorizer.ts";
import type { Principal } from "./principal.ts";

export const SUMMARY_VERBS = ["view", "run", "approve", "audit", "admin"] as const;

export interface PermissionSummary {
  /** Action names per verb. */
  actions: Record<(typeof SUMMARY_VERBS)[number], string[]>;
  /** Action names per PII class the principal may reveal on them. */
  reveal: Record<string, string[]>;
  workspaceAdmin: boolean;
}

export async function permissionSummary(
  authorizer: Authorizer,
  workspace: CompiledWorkspace,
  principal: Principal,
): Promise<PermissionSummary> {
  const actions: PermissionSummary["actions"] = { view: [], run: [], approve: [], audit: [], admin: [] };
  const reveal: Record<string, string[]> = {};
  for (const action of workspace.actions.values()) {
    for (const verb of SUMMARY_VERBS) {
      if ((await authorizer.can(principal, verb, action)).allowed) actions[verb].push(action.name);
    }
    const classes = new Set([...action.piiParams, ...action.piiOutput].map((field) => field.piiClass));
    for (const piiClass of classes) {
      if (!(await authorizer.can(principal, `reveal:${piiClass}`, action)).allowed) continue;
      reveal[piiClass] = [...(reveal[piiClass] ?? []), action.name];
    }
  }
  return { actions, reveal, workspaceAdmin: await authorizer.isWorkspaceAdmin(principal) };
}
