// `airlock check --against URL`: what deploying this workspace would change on a running Airlock,
// as its API shows it (the actions the token may view: their version, title, risk, tags, execution,
// approval policies and parameters). The version is a hash of the definition, so an action whose
// version moved changed somehow even when none of the listed fields did (its handler, say).
import type { ActionDetail, ActionList } from "../api/actions.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { type ApiClientOptions, api, describeError } from "./api-client.ts";
import { UsageError } from "./command.ts";

export interface ActionChange {
  name: string;
  kind: "added" | "removed" | "changed";
  details: string[];
}

function policyKey(policy: {
  name: string;
  mode: string;
  quorum: number;
  reviewers: { groups: string[]; users: string[] };
  conditional: boolean;
}): string {
  return `${policy.mode}, quorum ${policy.quorum}, ${policy.conditional ? "conditional" : "always"}, reviewers ${[...policy.reviewers.groups, ...policy.reviewers.users].sort().join("+") || "none"}`;
}

function properties(schema: Record<string, unknown>): Record<string, string> {
  const props = (schema.properties ?? {}) as Record<string, unknown>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.fromEntries(
    Object.entries(props).map(([name, value]) => [
      name,
      `${JSON.stringify(value)}${required.has(name) ? " required" : ""}`,
    ]),
  );
}

export function compareAction(local: CompiledAction, remote: ActionDetail): string[] {
  const details: string[] = [];
  const field = (label: string, before: unknown, after: unknown) => {
    const a = JSON.stringify(before);
    const b = JSON.stringify(after);
    if (a !== b) details.push(`${label}: ${a} → ${b}`);
  };
  field("title", remote.title, local.title);
  field("risk", remote.risk, local.risk);
  field("tags", [...remote.tags].sort(), [...local.tags].sort());
  field("execution", remote.execution, local.execution);
  field("reasonRequired", remote.reasonRequired, local.reasonRequired);

  const remotePolicies = new Map(remote.approval.policies.map((p) => [p.name, policyKey(p)]));
  for (const policy of local.policies) {
    const now = policyKey({ ...policy, conditional: policy.when !== undefined });
    const before = remotePolicies.get(policy.name);
    if (before === undefined) details.push(`policy ${policy.name} added (${now})`);
    else if (before !== now) details.push(`policy ${policy.name}: ${before} → ${now}`);
    remotePolicies.delete(policy.name);
  }
  for (const name of remotePolicies.keys()) details.push(`policy ${name} removed`);

  const before = properties(remote.paramsSchema);
  const after = properties(local.paramsJsonSchema);
  for (const name of Object.keys(after)) {
    if (!(name in before)) details.push(`param ${name} added`);
    else if (before[name] !== after[name]) details.push(`param ${name} changed`);
  }
  for (const name of Object.keys(before)) if (!(name in after)) details.push(`param ${name} removed`);

  if (details.length === 0 && remote.version !== local.version)
    details.push(`version ${remote.version} → ${local.version} (the handler or another detail changed)`);
  return details;
}

export async function changesAgainst(
  workspace: CompiledWorkspace,
  options: ApiClientOptions,
): Promise<ActionChange[]> {
  const list = await api(options, "GET", "/api/v1/actions");
  if (list.status !== 200) throw new UsageError(`--against: ${describeError(list)}`);
  const remote = (list.body as ActionList).actions;
  const changes: ActionChange[] = [];
  for (const summary of remote) {
    const local = workspace.actions.get(summary.name);
    if (!local) {
      changes.push({ name: summary.name, kind: "removed", details: [] });
      continue;
    }
    if (summary.version === local.version) continue;
    const detail = await api(options, "GET", `/api/v1/actions/${encodeURIComponent(summary.name)}`);
    if (detail.status !== 200) throw new UsageError(`--against: ${describeError(detail)}`);
    changes.push({
      name: summary.name,
      kind: "changed",
      details: compareAction(local, detail.body as ActionDetail),
    });
  }
  const known = new Set(remote.map((a) => a.name));
  for (const name of workspace.actions.keys())
    if (!known.has(name)) changes.push({ name, kind: "added", details: [] });
  return changes;
}
