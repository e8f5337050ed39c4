// Admin: groups, memberships and grants — who holds which role, and what each role may do. Every
// route requires `admin` on `*`; every change is audited; grant changes take effect on the next
// request (the authorizer's cache is dropped here, other processes follow within 2 s).
import {
  grant,
  grantBody,
  grantList,
  group,
  groupDetail,
  groupList,
  groupPatchBody,
  memberAdded,
  memberBody,
  newGroupBody,
} from "../api/admin.ts";
import { changeRequested } from "../api/governance.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { ChangeRequests } from "../governance/change-requests.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { listGrants } from "../identity/grant-admin.ts";
import { createGroup, getGroup, listGroups, updateGroup } from "../identity/group-directory.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { answerChange } from "./governance-routes.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export interface AdminAccessRoutesDeps {
  database: Database;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  /** Memberships and grants go through four-eyes (src/governance). */
  changes: ChangeRequests;
}

export function adminAccessRoutes(deps: AdminAccessRoutesDeps) {
  const pool = deps.database.pool;
  return (routes: RouteTable) => {
    const guard = async (
      c: Parameters<typeof changeContext>[0],
      principal: Parameters<typeof changeContext>[1],
    ) => {
      const ctx = changeContext(c, principal);
      await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
      return ctx;
    };

    routes.add({
      method: "get",
      path: "/api/v1/admin/groups",
      summary: "Admin: groups, with member counts, SSO aliases and the roles they confer",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The groups", schema: groupList } },
      async handler(c, { principal }) {
        await guard(c, principal);
        const groups = await listGroups(pool);
        return json(c, {
          groups: groups.map((group) => ({
            ...group,
            roles: Object.entries(deps.workspace.roles)
              .filter(([, role]) => role.groups.includes(group.name))
              .map(([name]) => name),
          })),
        });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/admin/groups",
      summary: "Admin: create a group",
      tags: ["admin"],
      auth: "principal",
      responses: { 201: { description: "The new group", schema: group } },
      body: newGroupBody,
      async handler(c, { principal, body }) {
        const ctx = await guard(c, principal);
        const group = await createGroup(pool, ctx, {
          name: body.name,
          description: body.description ?? null,
          ssoAliases: [...new Set(body.ssoAliases)],
        });
        return json(c, group, 201);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/admin/groups/:id",
      summary: "Admin: one group and its members",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The group", schema: groupDetail } },
      async handler(c, { principal }) {
        await guard(c, principal);
        const group = await getGroup(pool, c.req.param("id") ?? "");
        if (!group) throw new AirlockError("admin.not_found", "There is no such group.");
        return json(c, group);
      },
    });

    routes.add({
      method: "patch",
      path: "/api/v1/admin/groups/:id",
      summary: "Admin: change a group's description or SSO aliases (claim values that mean this group)",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The group after the change", schema: group } },
      body: groupPatchBody,
      async handler(c, { principal, body }) {
        const ctx = await guard(c, principal);
        const aliases = body.ssoAliases ? [...new Set(body.ssoAliases)] : undefined;
        return json(
          c,
          await updateGroup(pool, ctx, c.req.param("id") ?? "", {
            description: body.description,
            ssoAliases: aliases,
          }),
        );
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/admin/groups/:id/members",
      summary: "Admin: add a user to a group",
      tags: ["admin"],
      auth: "principal",
      responses: {
        201: { description: "Added", schema: memberAdded },
        200: { description: "Already a member", schema: memberAdded },
        202: { description: "Held as a change request for a second admin", schema: changeRequested },
      },
      body: memberBody,
      async handler(c, { principal, body }) {
        const ctx = await guard(c, principal);
        const outcome = await deps.changes.submit(
          ctx,
          { kind: "group.add_member", payload: { groupId: c.req.param("id") ?? "", userId: body.userId } },
          body.reason,
        );
        return answerChange(c, outcome, (result) => json(c, result, result.added ? 201 : 200));
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/admin/groups/:id/members/:userId",
      summary: "Admin: remove a user from a group (held for a second admin where the workspace says so)",
      tags: ["admin"],
      auth: "principal",
      responses: {
        204: { description: "Removed" },
        202: { description: "Held as a change request for a second admin", schema: changeRequested },
      },
      async handler(c, { principal }) {
        const ctx = await guard(c, principal);
        const outcome = await deps.changes.submit(ctx, {
          kind: "group.remove_member",
          payload: { groupId: c.req.param("id") ?? "", userId: c.req.param("userId") ?? "" },
        });
        return answerChange(c, outcome, () => c.body(null, 204));
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/admin/grants",
      summary: "Admin: grants declared in the workspace (code) and those added by admins (stored)",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The grants and roles", schema: grantList } },
      async handler(c, { principal }) {
        await guard(c, principal);
        return json(c, { ...(await listGrants(pool, deps.workspace)), roles: deps.workspace.roles });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/admin/grants",
      summary: "Admin: add a grant to a role or group (audited as grant.changed)",
      tags: ["admin"],
      auth: "principal",
      responses: {
        201: { description: "The new grant", schema: grant },
        202: { description: "Held as a change request for a second admin", schema: changeRequested },
      },
      body: grantBody,
      async handler(c, { principal, body }) {
        const ctx = await guard(c, principal);
        const { reason, ...input } = body;
        const outcome = await deps.changes.submit(ctx, { kind: "grant.add", payload: input }, reason);
        return answerChange(c, outcome, (result) => json(c, result.grant, 201));
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/admin/grants/:id",
      summary: "Admin: revoke a stored grant (declared ones change with the workspace code)",
      tags: ["admin"],
      auth: "principal",
      responses: {
        204: { description: "Revoked" },
        202: { description: "Held as a change request for a second admin", schema: changeRequested },
      },
      async handler(c, { principal }) {
        const ctx = await guard(c, principal);
        const outcome = await deps.changes.submit(ctx, {
          kind: "grant.revoke",
          payload: { grantId: c.req.param("id") ?? "" },
        });
        return answerChange(c, outcome, () => c.body(null, 204));
      },
    });
  };
}
