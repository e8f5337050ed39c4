// Who may read a run: the actor who started it, and whoever holds `approve`, `audit` or `admin`
// on its action (reviewers, auditors, the action's admins). Everyone else gets 404 for its id, so
// run ids do not leak across users (no IDOR).
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";

export const OVERSIGHT_VERBS = ["approve", "audit", "admin"] as const;

export async function canSeeRunOf(
  authorizer: Authorizer,
  workspace: CompiledWorkspace,
  principal: Principal,
  run: { actor_id: string; action: string },
): Promise<boolean> {
  if (run.actor_id === principal.id) return true;
  const action = workspace.actions.get(run.action);
  if (!action) return false;
  for (const verb of OVERSIGHT_VERBS)
    if ((await authorizer.can(principal, verb, action)).allowed) return true;
  return false;
}

/** Actions whose runs by anyone this principal may read. */
export async function overseenActions(
  authorizer: Authorizer,
  workspace: CompiledWorkspace,
  principal: Principal,
): Promise<string[]> {
  const names: string[] = [];
  for (const action of workspace.actions.values()) {
    for (const verb of OVERSIGHT_VERBS) {
      if ((await authorizer.can(principal, verb, action)).allowed) {
        names.push(action.name);
        break;
      }
    }
  }
  return names;
}
