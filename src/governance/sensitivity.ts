// Which access is sensitive enough to need a second admin: `run`, `approve` or any `reveal:` on
// a high or critical action (what moves money or exposes PII), and `admin` on `*` (who can change
// everyone's access). A group is sensitive when any grant it holds — declared for a role the group
// confers, or stored for the group itself — is.
import type { Authorizer } from "../identity/authorizer.ts";
import type { CompiledGrant, CompiledWorkspace } from "../workspace/compile-workspace.ts";

type GrantShape = Pick<CompiledGrant, "verbs" | "on">;

function coversRiskyAction(workspace: CompiledWorkspace, on: GrantShape["on"]): boolean {
  for (const action of workspace.actions.values()) {
    if (action.risk !== "high" && action.risk !== "critical") continue;
    if (on.kind === "all") return true;
    if (on.kind === "action" && on.value === action.name) return true;
    if (on.kind === "tag" && action.tags.includes(on.value)) return true;
  }
  return false;
}

/** Why the grant is sensitive, or null. */
export function grantSensitivity(workspace: CompiledWorkspace, grant: GrantShape): string | null {
  if (grant.on.kind === "all" && grant.verbs.includes("admin"))
    return "admin on * (workspace administration)";
  const risky = grant.verbs.filter((v) => v === "run" || v === "approve" || v.startsWith("reveal:"));
  if (risky.length > 0 && coversRiskyAction(workspace, grant.on))
    return `${risky.join(", ")} on a high or critical action`;
  return null;
}

/** The grants a member of `group` holds through it (role grants and the group's own). */
export async function grantsOfGroup(
  workspace: CompiledWorkspace,
  authorizer: Authorizer,
  group: string,
): Promise<CompiledGrant[]> {
  const roles = Object.entries(workspace.roles)
    .filter(([, role]) => role.groups.includes(group))
    .map(([name]) => name);
  return (await authorizer.grants()).filter((grant) =>
    grant.subjectKind === "role" ? roles.includes(grant.subject) : grant.subject === group,
  );
}

/** Why membership of the group is sensitive, or null. */
export async function groupSensitivity(
  workspace: CompiledWorkspace,
  authorizer: Authorizer,
  group: string,
): Promise<string | null> {
  for (const grant of await grantsOfGroup(workspace, authorizer, group)) {
    const why = grantSensitivity(workspace, grant);
    if (why) return `the group "${group}" gives ${why}`;
  }
  return null;
}

/** Groups whose members administer the workspace (`admin` on `*`). */
export async function adminGroups(workspace: CompiledWorkspace, authorizer: Authorizer): Promise<string[]> {
  const groups = new Set<string>();
  for (const grant of await authorizer.grants()) {
    if (grant.on.kind !== "all" || !grant.verbs.includes("admin")) continue;
    if (grant.subjectKind === "group") groups.add(grant.subject);
    else for (const group of workspace.roles[grant.subject]?.groups ?? []) groups.add(group);
  }
  return [...groups].sort();
}

/** Why a token for the service identity is sensitive (whoever holds it acts as the service), or null. */
export async function serviceSensitivity(
  workspace: CompiledWorkspace,
  authorizer: Authorizer,
  service: string,
): Promise<string | null> {
  const roles = Object.entries(workspace.roles)
    .filter(([, role]) => role.services.includes(service))
    .map(([name]) => name);
  for (const grant of await authorizer.grants()) {
    if (grant.subjectKind !== "role" || !roles.includes(grant.subject)) continue;
    const why = grantSensitivity(workspace, grant);
    if (why) return `the service identity "${service}" holds ${why}`;
  }
  return null;
}
