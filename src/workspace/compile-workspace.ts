// Turns the workspace a user wrote (plain values from the SDK) into the checked, indexed form the
// rest of Airlock uses. Every mistake is collected and reported at start, each naming the action
// or grant and what is wrong, so a bad config never half-works.
import { createHash } from "node:crypto";
import { z } from "zod";
import { StartupError } from "../errors/startup-error.ts";
import { type PiiField, piiFieldsOf } from "../pii/pii-fields.ts";
import type { AnyAction, ApprovalPolicy, Risk } from "../sdk/define-action.ts";
import type { DemoUser, GrantDefinition, RoleDefinition, Verb, Workspace } from "../sdk/define-workspace.ts";
import { durationMs } from "../sdk/duration.ts";

export const NAME_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const VERB_PATTERN = /^(view|run|approve|audit|admin|reveal:[a-z][a-z0-9_]*|reveal:\*)$/;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_EXPIRY_MS = 24 * 3_600_000;

export interface CompiledPolicy {
  name: string;
  description: string | null;
  when: ApprovalPolicy["when"];
  reviewers: { groups: string[]; users: string[] };
  quorum: number;
  expiresInMs: number;
  mode: "enforce" | "monitor";
}

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
  definition: AnyAction;
}

export interface CompiledGrant {
  source: "config" | "admin";
  id: string;
  subjectKind: "role" | "group";
  subject: string;
  verbs: Verb[];
  on: { kind: "action"; value: string } | { kind: "tag"; value: string } | { kind: "all" };
}

export interface CompiledWorkspace {
  name: string;
  actions: ReadonlyMap<string, CompiledAction>;
  roles: Readonly<
    Record<string, Required<Pick<RoleDefinition, "groups" | "services">> & { description: string }>
  >;
  grants: readonly CompiledGrant[];
  groups: Readonly<Record<string, { description: string }>>;
  services: Readonly<Record<string, { description: string }>>;
  migrationsDir: string | null;
  demo: {
    users: DemoUser[];
    seed: NonNullable<Workspace["demo"]>["seed"] | null;
    reset: NonNullable<Workspace["demo"]>["reset"] | null;
  } | null;
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

  const roles: CompiledWorkspace["roles"] = {};
  const services: Record<string, { description: string }> = {};
  for (const [name, service] of Object.entries(workspace.services ?? {})) {
    if (!/^[a-z][a-z0-9-]*$/.test(name))
      problems.push(`services.${name}: use lowercase letters, digits and dashes.`);
    services[name] = { description: service.description ?? "" };
  }
  for (const [name, role] of Object.entries(workspace.roles ?? {})) {
    if (!/^[a-z][a-z0-9-]*$/.test(name))
      problems.push(`roles.${name}: use lowercase letters, digits and dashes.`);
    for (const service of role.services ?? []) {
      if (!services[service])
        problems.push(`roles.${name}.services: "${service}" is not declared in services.`);
    }
    (roles as Record<string, unknown>)[name] = {
      description: role.description ?? "",
      groups: [...(role.groups ?? [])],
      services: [...(role.services ?? [])],
    };
  }
  const groups: Record<string, { description: string }> = {};
  for (const [name, group] of Object.entries(workspace.groups ?? {})) {
    groups[name] = { description: group.description ?? "" };
  }
  for (const role of Object.values(roles)) {
    for (const group of role.groups) groups[group] ??= { description: "" };
  }

  const tags = new Set([...actions.values()].flatMap((a) => a.tags));
  const grants: CompiledGrant[] = [];
  for (const [index, grant] of (workspace.grants ?? []).entries()) {
    const compiled = compileGrant(grant, index, roles, actions, tags, problems);
    if (compiled) grants.push(compiled);
  }

  for (const action of actions.values()) {
    for (const policy of action.policies) {
      for (const group of policy.reviewers.groups) groups[group] ??= { description: "" };
    }
  }

  if (problems.length > 0) {
    throw new StartupError(
      "config.invalid_workspace",
      `${source} has ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n  - ${problems.join("\n  - ")}`,
    );
  }
  return {
    name: workspace.name,
    actions,
    roles,
    grants,
    groups,
    services,
    migrationsDir: workspace.migrations ?? null,
    demo: workspace.demo
      ? {
          users: workspace.demo.users,
          seed: workspace.demo.seed ?? null,
          reset: workspace.demo.reset ?? null,
        }
      : null,
  };
}

function compileAction(action: AnyAction, where: string, problems: string[]): CompiledAction | null {
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
    if (!/^[a-z][a-z0-9-]*$/.test(tag))
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
  if (problems.length > before) return null;
  const version = versionOf(action, paramsJsonSchema, outputJsonSchema, policies);
  return {
    name: action.name,
    title: action.title,
    description: action.description ?? "",
    tags,
    risk,
    version,
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
    definition: action,
  };
}

function compilePolicies(action: AnyAction, where: string, problems: string[]): CompiledPolicy[] {
  const list =
    action.approval === undefined ? [] : Array.isArray(action.approval) ? action.approval : [action.approval];
  const names = new Set<string>();
  return list.map((policy, index) => {
    const name =
      policy.name ?? (list.length === 1 ? `${action.name}.approval` : `${action.name}.approval.${index + 1}`);
    if (names.has(name)) problems.push(`${where}: two approval policies are named "${name}".`);
    names.add(name);
    const groups = [...(policy.reviewers?.groups ?? [])];
    const users = [...(policy.reviewers?.users ?? [])];
    if (groups.length + users.length === 0)
      problems.push(`${where}: approval policy "${name}" names no reviewers.`);
    const quorum = policy.quorum ?? 1;
    if (!Number.isInteger(quorum) || quorum < 1)
      problems.push(`${where}: approval policy "${name}": quorum must be a whole number ≥ 1.`);
    let expiresInMs = DEFAULT_EXPIRY_MS;
    try {
      if (policy.expiresIn !== undefined) expiresInMs = durationMs(policy.expiresIn);
    } catch (error) {
      problems.push(`${where}: approval policy "${name}": expiresIn: ${(error as Error).message}`);
    }
    const mode = policy.mode ?? "enforce";
    if (mode !== "enforce" && mode !== "monitor")
      problems.push(`${where}: approval policy "${name}": mode must be enforce or monitor.`);
    if (policy.when !== undefined && typeof policy.when !== "function") {
      problems.push(`${where}: approval policy "${name}": when must be a function.`);
    }
    return {
      name,
      description: policy.description ?? null,
      when: policy.when as CompiledPolicy["when"],
      reviewers: { groups, users },
      quorum,
      expiresInMs,
      mode,
    };
  });
}

function compileGrant(
  grant: GrantDefinition,
  index: number,
  roles: CompiledWorkspace["roles"],
  actions: Map<string, CompiledAction>,
  tags: Set<string>,
  problems: string[],
): CompiledGrant | null {
  const where = `grants[${index}]`;
  const before = problems.length;
  if (!roles[grant.to]) problems.push(`${where}: role "${grant.to}" is not declared in roles.`);
  if (!Array.isArray(grant.verbs) || grant.verbs.length === 0)
    problems.push(`${where}: list at least one verb.`);
  for (const verb of grant.verbs ?? []) {
    if (!VERB_PATTERN.test(verb))
      problems.push(`${where}: "${verb}" is not a verb (view, run, approve, audit, admin, reveal:<class>).`);
  }
  let on: CompiledGrant["on"] | null = null;
  if (grant.on === "*") on = { kind: "all" };
  else if (grant.on && "action" in grant.on) {
    if (!actions.has(grant.on.action)) problems.push(`${where}: action "${grant.on.action}" does not exist.`);
    on = { kind: "action", value: grant.on.action };
  } else if (grant.on && "tag" in grant.on) {
    if (!tags.has(grant.on.tag)) problems.push(`${where}: no action has the tag "${grant.on.tag}".`);
    on = { kind: "tag", value: grant.on.tag };
  } else problems.push(`${where}: on must be { action }, { tag } or "*".`);
  if (problems.length > before || !on) return null;
  return {
    source: "config",
    id: `config:${index}`,
    subjectKind: "role",
    subject: grant.to,
    verbs: [...grant.verbs],
    on,
  };
}

function versionOf(
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
  });
  return createHash("sha256").update(material).digest("hex").slice(0, 12);
}
