// Turns the workspace a user wrote (plain values from the SDK) into the checked, indexed form the
// rest of Airlock uses. Every mistake is collected and reported at start, each naming the action
// or grant and what is wrong, so a bad config never half-works. The parts are compiled by their
// own modules (actions, roles, grants); this one composes them and reports.
import { StartupError } from "../errors/startup-error.ts";
import type { DemoPastVersion, DemoUser, Workspace } from "../sdk/define-workspace.ts";
import { type CompiledAction, compileAction } from "./compile-action.ts";
import { type CompiledGovernance, compileGovernance } from "./compile-governance.ts";
import { type CompiledGrant, compileGrant } from "./compile-grants.ts";
import type { CompiledPolicy } from "./compile-policies.ts";
import { type CompiledResource, checkResourceUses, compileResources } from "./compile-resources.ts";
import { type CompiledRoles, compileRoles } from "./compile-roles.ts";
import { type CompiledRunbook, compileRunbook } from "./compile-runbook.ts";
import { type CompiledSchedule, compileSchedule } from "./compile-schedule.ts";

export { NAME_PATTERN } from "./workspace-names.ts";
export type {
  CompiledAction,
  CompiledGrant,
  CompiledPolicy,
  CompiledResource,
  CompiledRunbook,
  CompiledSchedule,
};

export interface CompiledWorkspace {
  name: string;
  actions: ReadonlyMap<string, CompiledAction>;
  resources: ReadonlyMap<string, CompiledResource>;
  runbooks: ReadonlyMap<string, CompiledRunbook>;
  schedules: ReadonlyMap<string, CompiledSchedule>;
  roles: CompiledRoles;
  grants: readonly CompiledGrant[];
  groups: Readonly<Record<string, { description: string }>>;
  services: Readonly<Record<string, { description: string }>>;
  migrationsDir: string | null;
  /** Four-eyes on access and policy changes (compile-governance.ts). */
  governance: CompiledGovernance;
  demo: {
    users: DemoUser[];
    seed: NonNullable<Workspace["demo"]>["seed"] | null;
    reset: NonNullable<Workspace["demo"]>["reset"] | null;
    services: NonNullable<Workspace["demo"]>["services"] | null;
    /** Earlier versions of its actions, recorded in the change log in demo mode only. */
    history: { action: CompiledAction; deployedAt: Date }[];
  } | null;
}

/** The workspace has mistakes; `problems` lists each (`airlock check` locates them). */
export class WorkspaceProblemsError extends StartupError {
  readonly problems: readonly string[];
  constructor(source: string, problems: string[]) {
    super(
      "config.invalid_workspace",
      `${source} has ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n  - ${problems.join("\n  - ")}`,
    );
    this.problems = problems;
  }
}

export function compileWorkspace(workspace: Workspace, source = "airlock.config.ts"): CompiledWorkspace {
  const problems: string[] = [];
  if (workspace?.kind !== "workspace") {
    throw new StartupError(
      "config.invalid_workspace",
      `${source} must default-export defineWorkspace({ ... }) from "airlock".`,
    );
  }
  const actions = new Map<string, CompiledAction>();
  for (const [index, action] of (workspace.actions ?? []).entries()) {
    const where = `actions[${index}]${action?.name ? ` (${action.name})` : ""}`;
    const compiled = compileAction(action, where, problems);
    if (!compiled) continue;
    if (actions.has(compiled.name)) {
      problems.push(`${where}: the name "${compiled.name}" is used by two actions; names must be unique.`);
      continue;
    }
    actions.set(compiled.name, compiled);
  }

  const resources = compileResources(workspace.resources, problems);
  checkResourceUses(actions, resources, problems);
  const runbooks = new Map<string, CompiledRunbook>();
  for (const [index, runbook] of (workspace.runbooks ?? []).entries()) {
    const where = `runbooks[${index}]${runbook?.name ? ` (${runbook.name})` : ""}`;
    const compiled = compileRunbook(runbook, where, actions, problems);
    if (!compiled) continue;
    if (runbooks.has(compiled.name)) {
      problems.push(`${where}: the name "${compiled.name}" is used by two runbooks; names must be unique.`);
      continue;
    }
    runbooks.set(compiled.name, compiled);
  }

  const { roles, groups, services } = compileRoles(workspace, problems);

  const schedules = new Map<string, CompiledSchedule>();
  for (const [index, schedule] of (workspace.schedules ?? []).entries()) {
    const where = `schedules[${index}]${schedule?.name ? ` (${schedule.name})` : ""}`;
    const compiled = compileSchedule(schedule, where, { actions, runbooks, services }, problems);
    if (!compiled) continue;
    if (schedules.has(compiled.name)) {
      problems.push(`${where}: the name "${compiled.name}" is used by two schedules; names must be unique.`);
      continue;
    }
    schedules.set(compiled.name, compiled);
  }

  const tags = new Set([...actions.values(), ...runbooks.values()].flatMap((a) => a.tags));
  const grantable = new Map<string, unknown>([...actions, ...runbooks]);
  const grants: CompiledGrant[] = [];
  for (const [index, grant] of (workspace.grants ?? []).entries()) {
    const compiled = compileGrant(grant, index, roles, grantable, tags, problems);
    if (compiled) grants.push(compiled);
  }

  const governance = compileGovernance(workspace, problems);

  for (const action of actions.values()) {
    for (const policy of action.policies) {
      for (const group of policy.reviewers.groups) groups[group] ??= { description: "" };
    }
  }

  const history = compileDemoHistory(workspace.demo?.history ?? [], actions, problems);

  if (problems.length > 0) throw new WorkspaceProblemsError(source, problems);
  return {
    name: workspace.name,
    actions,
    resources,
    runbooks,
    schedules,
    roles,
    grants,
    groups,
    services,
    migrationsDir: workspace.migrations ?? null,
    governance,
    demo: workspace.demo
      ? {
          users: workspace.demo.users,
          seed: workspace.demo.seed ?? null,
          reset: workspace.demo.reset ?? null,
          services: workspace.demo.services ?? null,
          history,
        }
      : null,
  };
}

/** An earlier version must be of an action the workspace has, deployed at a valid time in the past. */
function compileDemoHistory(
  history: readonly DemoPastVersion[],
  actions: ReadonlyMap<string, CompiledAction>,
  problems: string[],
): { action: CompiledAction; deployedAt: Date }[] {
  const compiled: { action: CompiledAction; deployedAt: Date }[] = [];
  for (const [index, past] of history.entries()) {
    const where = `demo.history[${index}]`;
    const action = compileAction(past.action, where, problems);
    if (!action) continue;
    const deployedAt = new Date(past.deployedAt);
    if (!actions.has(action.name)) problems.push(`${where}: no action "${action.name}" in the workspace.`);
    else if (Number.isNaN(deployedAt.getTime()) || deployedAt.getTime() > Date.now())
      problems.push(
        `${where}: deployedAt must be a date in the past, got ${JSON.stringify(past.deployedAt)}.`,
      );
    else compiled.push({ action, deployedAt });
  }
  return compiled;
}
