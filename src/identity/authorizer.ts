// Authorization, in one module used by every path (API, UI, CLI, Slack, schedules, runbooks).
// Deny by default: a verb is allowed only when a grant names it for a role the actor holds (or a
// group the actor is in) on this action, one of its tags, or `*`. Admins get no implicit `run`
// and no way around approvals: `admin` is just another verb.
//
// Grants come from the workspace (code) and from the `grants` table (admin additions). Stored
// grants are cached for at most CACHE_MS, so a change takes effect within that time on every
// process (documented in docs/security.md).
import type pg from "pg";
import type { Verb } from "../sdk/define-workspace.ts";
import type { CompiledAction, CompiledGrant, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { Principal } from "./principal.ts";

export const CACHE_MS = 2_000;

export interface Decision {
  allowed: boolean;
  /** The grant that allowed it, for the audit ("allowed by which grant"). */
  grant: {
    id: string;
    source: "config" | "admin";
    subject: string;
    subjectKind: "role" | "group";
    verbs: string[];
    on: string;
  } | null;
  roles: string[];
}

export interface Authorizer {
  /** `action` is an action or a runbook (they share names and tags). */
  can(principal: Principal, verb: Verb, action: Pick<CompiledAction, "name" | "tags">): Promise<Decision>;
  /** Roles the principal holds, from its groups (humans) or its name (services). */
  rolesOf(principal: Principal): string[];
  /**
   * Whether the principal administers the workspace (users, groups, grants): a grant of `admin` on
   * `*`. It says nothing about running or approving actions; those need their own grants.
   */
  isWorkspaceAdmin(principal: Principal): Promise<boolean>;
  /** Whether the principal holds `verb` through a grant on `*` (workspace-wide, e.g. an auditor). */
  holdsOnAll(principal: Principal, verb: Verb): Promise<boolean>;
  grants(): Promise<readonly CompiledGrant[]>;
  /** The emergency role the person holds by break-glass right now, or null (governance). */
  elevation(principal: Principal): Promise<Elevation | null>;
  invalidate(): void;
}

/** A break-glass elevation in force: the emergency role, until `endsAt`. */
export interface Elevation {
  id: string;
  role: string;
  endsAt: Date;
}

export function createAuthorizer(workspace: CompiledWorkspace, db: Pick<pg.Pool, "query">): Authorizer {
  let cached: { at: number; grants: CompiledGrant[] } | null = null;
  // Break-glass elevations in force, read with the stored grants (same cache, same lag across
  // processes); each is checked against its end at every use, so it ends to the second.
  let elevations = new Map<string, Elevation>();

  function elevationNow(principal: Principal): Elevation | null {
    const found = principal.kind === "human" ? elevations.get(principal.id) : undefined;
    return found && found.endsAt.getTime() > Date.now() ? found : null;
  }

  async function storedGrants(): Promise<CompiledGrant[]> {
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.grants;
    const open = await db.query<{ id: string; user_id: string; role: string; ends_at: Date }>(
      "SELECT id, user_id, role, ends_at FROM airlock.break_glass WHERE ended_at IS NULL AND ends_at > now()",
    );
    elevations = new Map(open.rows.map((r) => [r.user_id, { id: r.id, role: r.role, endsAt: r.ends_at }]));
    const result = await db.query<{
      id: string;
      subject_kind: "role" | "group";
      subject: string;
      verbs: string[];
      on_kind: string;
      on_value: string | null;
    }>(
      "SELECT id, subject_kind, subject, verbs, on_kind, on_value FROM airlock.grants WHERE revoked_at IS NULL",
    );
    const grants = result.rows.map(
      (row): CompiledGrant => ({
        source: "admin",
        id: row.id,
        subjectKind: row.subject_kind,
        subject: row.subject,
        verbs: row.verbs as Verb[],
        on:
          row.on_kind === "all"
            ? { kind: "all" }
            : { kind: row.on_kind as "action" | "tag", value: row.on_value! },
      }),
    );
    cached = { at: Date.now(), grants };
    return grants;
  }

  function rolesOf(principal: Principal): string[] {
    const roles: string[] = [];
    for (const [name, role] of Object.entries(workspace.roles)) {
      const byGroup = principal.kind === "human" && role.groups.some((g) => principal.groups.includes(g));
      const byService = principal.kind === "service" && role.services.includes(principal.name);
      if (byGroup || byService) roles.push(name);
    }
    const elevated = elevationNow(principal);
    if (elevated && workspace.roles[elevated.role]?.emergency && !roles.includes(elevated.role))
      roles.push(elevated.role);
    return roles;
  }

  return {
    rolesOf,
    async grants() {
      return [...workspace.grants, ...(await storedGrants())];
    },
    invalidate() {
      cached = null;
    },
    async elevation(principal) {
      await storedGrants();
      return elevationNow(principal);
    },
    async can(principal, verb, action) {
      const all = [...workspace.grants, ...(await storedGrants())];
      const roles = rolesOf(principal);
      for (const grant of all) {
        if (!holds(grant, principal, roles) || !covers(grant, action) || !grantsVerb(grant.verbs, verb))
          continue;
        return { allowed: true, grant: describeGrant(grant), roles };
      }
      return { allowed: false, grant: null, roles };
    },
    async isWorkspaceAdmin(principal) {
      return this.holdsOnAll(principal, "admin");
    },
    async holdsOnAll(principal, verb) {
      const all = [...workspace.grants, ...(await storedGrants())];
      const roles = rolesOf(principal);
      return all.some(
        (grant) => grant.on.kind === "all" && grant.verbs.includes(verb) && holds(grant, principal, roles),
      );
    },
  };
}

function holds(grant: CompiledGrant, principal: Principal, roles: string[]): boolean {
  return grant.subjectKind === "role"
    ? roles.includes(grant.subject)
    : principal.kind === "human" && principal.groups.includes(grant.subject);
}

function covers(grant: CompiledGrant, action: Pick<CompiledAction, "name" | "tags">): boolean {
  if (grant.on.kind === "all") return true;
  if (grant.on.kind === "action") return grant.on.value === action.name;
  return action.tags.includes(grant.on.value);
}

/**
 * `view` is implied by any other verb on the same action (you can see what you may run, approve
 * or administer). `reveal:*` covers every PII class. Nothing else implies anything.
 */
function grantsVerb(verbs: readonly string[], wanted: Verb): boolean {
  if (verbs.includes(wanted)) return true;
  if (wanted === "view") return verbs.length > 0;
  if (wanted.startsWith("reveal:")) return verbs.includes("reveal:*");
  return false;
}

function describeGrant(grant: CompiledGrant): Decision["grant"] {
  const on = grant.on.kind === "all" ? "*" : `${grant.on.kind}:${grant.on.value}`;
  return {
    id: grant.id,
    source: grant.source,
    subject: grant.subject,
    subjectKind: grant.subjectKind,
    verbs: [...grant.verbs],
    on,
  };
}
