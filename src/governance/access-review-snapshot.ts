// What an access review reviews, taken when it starts: each (group, member) pair in its scope, the
// grants the group gives that member, when each grant was last used (from the audit trail) and the
// member's last activity. The scope is named groups, or every group whose grants reach a high or
// critical action ("who can run, approve or reveal where it matters", `high_risk`): then only
// those grants are listed.
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledGrant, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { grantSensitivity, grantsOfGroup } from "./sensitivity.ts";

export interface ReviewGrant {
  grant: string;
  verbs: string[];
  on: string;
  lastUsedAt: string | null;
}

export interface GroupRef {
  id: string;
  name: string;
}

export interface SnapshotItem {
  group: GroupRef;
  member: { id: string; name: string; email: string | null; added_at: Date };
  grants: ReviewGrant[];
  lastActivity: Date | null;
}

export type ReviewScope = { kind: "groups"; groups: string[] } | { kind: "high_risk" };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The groups a scope covers (names or ids resolved), or `admin.not_found` naming the unknown ones. */
export async function groupsOfScope(
  db: Queryable,
  workspace: CompiledWorkspace,
  authorizer: Authorizer,
  scope: ReviewScope,
): Promise<GroupRef[]> {
  const wanted = scope.kind === "groups" ? scope.groups : await highRiskGroups(workspace, authorizer);
  const found = await db.query<GroupRef>(
    "SELECT id, name FROM airlock.groups WHERE name = ANY($1::text[]) OR id = ANY($1::text[]) ORDER BY name",
    [wanted],
  );
  if (scope.kind === "groups") {
    const unknown = wanted.filter((w) => !found.rows.some((g) => g.name === w || g.id === w));
    if (unknown.length > 0)
      throw new AirlockError(
        "admin.not_found",
        `There is no group ${unknown.map((u) => `"${u}"`).join(", ")}.`,
      );
  }
  return found.rows;
}

/** Every group holding a sensitive grant (declared for a role it confers, or stored for it). */
async function highRiskGroups(workspace: CompiledWorkspace, authorizer: Authorizer): Promise<string[]> {
  const groups = new Set<string>();
  for (const grant of await authorizer.grants()) {
    if (!grantSensitivity(workspace, grant)) continue;
    if (grant.subjectKind === "group") groups.add(grant.subject);
    else if (grant.subjectKind === "role")
      for (const group of workspace.roles[grant.subject]?.groups ?? []) groups.add(group);
  }
  return [...groups].sort();
}

export async function takeSnapshot(
  db: Queryable,
  workspace: CompiledWorkspace,
  authorizer: Authorizer,
  groups: GroupRef[],
  onlySensitive: boolean,
): Promise<SnapshotItem[]> {
  const items: SnapshotItem[] = [];
  for (const group of groups) {
    let grants = await grantsOfGroup(workspace, authorizer, group.name);
    if (onlySensitive) grants = grants.filter((g) => grantSensitivity(workspace, g));
    items.push(...(await snapshotOfGroup(db, workspace, group, grants)));
  }
  return items;
}

async function snapshotOfGroup(
  db: Queryable,
  workspace: CompiledWorkspace,
  group: GroupRef,
  grants: CompiledGrant[],
): Promise<SnapshotItem[]> {
  const members = await db.query<{ id: string; name: string; email: string | null; added_at: Date }>(
    `SELECT u.id, u.name, u.email, m.added_at FROM airlock.group_members m
       JOIN airlock.users u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY u.name, u.id`,
    [group.id],
  );
  const ids = members.rows.map((m) => m.id);
  // Runs record the grant that allowed them (data.authorizedBy.grant.id); approvals record the
  // action approved. Both read through the actor index (audit_events_actor_idx).
  const used = await db.query<{ actor_id: string; grant: string; at: Date }>(
    `SELECT actor_id, data->'authorizedBy'->'grant'->>'id' AS grant, max(occurred_at) AS at
       FROM airlock.audit_events
      WHERE actor_id = ANY($1::text[]) AND data->'authorizedBy'->'grant'->>'id' = ANY($2::text[])
      GROUP BY 1, 2`,
    [ids, grants.map((g) => g.id)],
  );
  const approved = await db.query<{ actor_id: string; action: string; at: Date }>(
    `SELECT actor_id, action, max(occurred_at) AS at FROM airlock.audit_events
      WHERE actor_id = ANY($1::text[]) AND type = 'approval.approved' AND action IS NOT NULL
      GROUP BY 1, 2`,
    [ids],
  );
  const activity = await db.query<{ actor_id: string; at: Date }>(
    `SELECT actor_id, max(occurred_at) AS at FROM airlock.audit_events
      WHERE actor_id = ANY($1::text[]) GROUP BY 1`,
    [ids],
  );
  const covers = (grant: CompiledGrant, actionName: string) => {
    const action = workspace.actions.get(actionName);
    if (!action) return false;
    if (grant.on.kind === "all") return true;
    return grant.on.kind === "action" ? grant.on.value === action.name : action.tags.includes(grant.on.value);
  };
  return members.rows.map((member) => {
    const itemGrants: ReviewGrant[] = grants.map((grant) => {
      let last: Date | null = null;
      const later = (at: Date) => {
        if (!last || at > last) last = at;
      };
      for (const u of used.rows) if (u.actor_id === member.id && u.grant === grant.id) later(u.at);
      if (grant.verbs.includes("approve"))
        for (const a of approved.rows) if (a.actor_id === member.id && covers(grant, a.action)) later(a.at);
      return {
        grant: grant.id,
        verbs: [...grant.verbs],
        on: grant.on.kind === "all" ? "*" : `${grant.on.kind}:${grant.on.value}`,
        lastUsedAt: iso(last),
      };
    });
    return {
      group,
      member,
      grants: itemGrants,
      lastActivity: activity.rows.find((a) => a.actor_id === member.id)?.at ?? null,
    };
  });
}
