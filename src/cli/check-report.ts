// What `airlock check` prints about a compiled workspace: the permission matrix (roles × actions ×
// verbs, from the workspace's grants), the approval policies, the PII classes of each action, and
// warnings about what would compile but cannot work (an action nobody may run, a policy whose
// reviewers may not approve). Pure functions of the compiled workspace; the command prints them.
import type { CompiledAction, CompiledGrant, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { table } from "./text-table.ts";

const VERB_ORDER = ["view", "run", "approve", "audit", "admin"];

function covers(grant: CompiledGrant, action: CompiledAction): boolean {
  if (grant.on.kind === "all") return true;
  if (grant.on.kind === "action") return grant.on.value === action.name;
  return action.tags.includes(grant.on.value);
}

/** Verbs a role holds on an action through the workspace's grants (`view` implied by any other). */
export function verbsOf(workspace: CompiledWorkspace, role: string, action: CompiledAction): string[] {
  const verbs = new Set<string>();
  for (const grant of workspace.grants) {
    if (grant.subjectKind === "role" && grant.subject === role && covers(grant, action))
      for (const verb of grant.verbs) verbs.add(verb);
  }
  if (verbs.size > 0) verbs.add("view");
  const rank = (verb: string) => {
    const index = VERB_ORDER.indexOf(verb);
    return index === -1 ? VERB_ORDER.length : index;
  };
  return [...verbs].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function permissionMatrix(workspace: CompiledWorkspace): string {
  const roles = Object.keys(workspace.roles).sort();
  const actions = [...workspace.actions.values()];
  if (roles.length === 0 || actions.length === 0) return "  (no roles or no actions: nobody may do anything)";
  const rows = actions.map((action) => [
    action.name,
    ...roles.map((role) => verbsOf(workspace, role, action).join(" ") || "-"),
  ]);
  return indent(table(["action", ...roles], rows));
}

export function policyTable(workspace: CompiledWorkspace): string {
  const rows: string[][] = [];
  for (const action of workspace.actions.values()) {
    for (const policy of action.policies) {
      const reviewers = [
        ...policy.reviewers.groups.map((g) => `group ${g}`),
        ...policy.reviewers.users.map((u) => `user ${u}`),
      ].join(", ");
      rows.push([
        action.name,
        policy.name,
        policy.mode,
        policy.when ? "conditional" : "always",
        String(policy.quorum),
        reviewers,
        formatMs(policy.expiresInMs),
      ]);
    }
  }
  if (rows.length === 0) return "  (none: every permitted run executes without approval)";
  return indent(table(["action", "policy", "mode", "applies", "quorum", "reviewers", "expires"], rows));
}

export function piiTable(workspace: CompiledWorkspace): string {
  const rows: string[][] = [];
  for (const action of workspace.actions.values()) {
    for (const [where, fields] of [
      ["params", action.piiParams],
      ["output", action.piiOutput],
    ] as const) {
      for (const field of fields) rows.push([action.name, where, field.path.join("."), field.piiClass]);
    }
  }
  if (rows.length === 0) return "  (no classified fields)";
  return indent(table(["action", "in", "field", "class"], rows));
}

/** Things that compile but cannot work as the author probably meant. */
export function warningsOf(workspace: CompiledWorkspace): string[] {
  const warnings: string[] = [];
  const roles = Object.keys(workspace.roles);
  for (const action of workspace.actions.values()) {
    const runners = roles.filter((role) => verbsOf(workspace, role, action).includes("run"));
    if (runners.length === 0)
      warnings.push(`${action.name}: no role may run it (deny by default); add a grant with "run".`);
    for (const policy of action.policies) {
      const approvers = roles.filter(
        (role) =>
          verbsOf(workspace, role, action).includes("approve") &&
          workspace.roles[role]!.groups.some((g) => policy.reviewers.groups.includes(g)),
      );
      if (approvers.length === 0 && policy.reviewers.users.length === 0 && policy.mode === "enforce")
        warnings.push(
          `${action.name}: policy "${policy.name}" asks groups ${policy.reviewers.groups.join(", ")} to review, but no role of theirs holds "approve" on it; its requests could never be approved.`,
        );
    }
  }
  return warnings;
}

export function summaryLine(workspace: CompiledWorkspace): string {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const policies = [...workspace.actions.values()].reduce((n, a) => n + a.policies.length, 0);
  return [
    `Workspace "${workspace.name}": ${count(workspace.actions.size, "action", "actions")}`,
    count(Object.keys(workspace.roles).length, "role", "roles"),
    count(workspace.grants.length, "grant", "grants"),
    count(policies, "approval policy", "approval policies"),
  ].join(", ");
}

function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
