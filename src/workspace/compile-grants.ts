// Grants declared in the workspace: role → verbs → an action, a tag or everything. Each must name
// a declared role, real verbs, and an action or tag that exists, since a grant on a typo would
// silently grant nothing (or, once the typo'd action appears, something nobody reviewed).
import type { GrantDefinition, Verb } from "../sdk/define-workspace.ts";
import type { CompiledRoles } from "./compile-roles.ts";

const VERB_PATTERN = /^(view|run|approve|audit|admin|reveal:[a-z][a-z0-9_]*|reveal:\*)$/;

export interface CompiledGrant {
  source: "config" | "admin";
  id: string;
  subjectKind: "role" | "group";
  subject: string;
  verbs: Verb[];
  on: { kind: "action"; value: string } | { kind: "tag"; value: string } | { kind: "all" };
}

export function compileGrant(
  grant: GrantDefinition,
  index: number,
  roles: CompiledRoles,
  actions: ReadonlyMap<string, unknown>,
  tags: ReadonlySet<string>,
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
  } else if (grant.on && "runbook" in grant.on) {
    // Runbooks and actions share one namespace (names are unique across both), so a runbook grant
    // is stored and checked like an action grant.
    if (!actions.has(grant.on.runbook))
      problems.push(`${where}: runbook "${grant.on.runbook}" does not exist.`);
    on = { kind: "action", value: grant.on.runbook };
  } else if (grant.on && "tag" in grant.on) {
    if (!tags.has(grant.on.tag)) problems.push(`${where}: no action has the tag "${grant.on.tag}".`);
    on = { kind: "tag", value: grant.on.tag };
  } else problems.push(`${where}: on must be { action }, { runbook }, { tag } or "*".`);
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
