// Admin: users and service identities. Every route requires `admin` on `*`
// (identity/workspace-admin.ts); every change is audited in its own transaction.
import {
  adminUser,
  adminUserDetail,
  adminUserList,
  newUserBody,
  serviceList,
  userListQuery,
} from "../api/admin.ts";
import { changeRequested } from "../api/governance.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { ChangeRequests } from "../governance/change-requests.ts";
import { listTokens } from "../identity/api-tokens.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { getUser, listUsers, setUserStatus } from "../identity/user-directory.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import { scrubText } from "../pii/mask.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { answerChange } from "./governance-routes.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export interface AdminUserRoutesDeps {
  database: Database;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  /** A user created into a reviewer group goes through four-eyes (src/governance). */
  changes: ChangeRequests;
}

export function adminUserRoutes(deps: AdminUserRoutesDeps) {
  const pool = deps.database.pool;
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/admin/users",
      summary: "Admin: users and service identities, with groups, status and lockout",
      tags: ["admin"],
      auth: "principal",
      query: userListQuery,
      responses: { 200: { description: "The users", schema: adminUserList } },
      async handler(c, { principal, query }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        return json(c, { users: await listUsers(pool, query) });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/admin/users",
      summary:
        "Admin: create a user, who gets a one-time invitation link to set their own password (or signs in by SSO only)",
      tags: ["admin"],
      auth: "principal",
      body: newUserBody,
      bodyLimit: 16 * 1024,
      responses: {
        201: { description: "The new user", schema: adminUser },
        202: { description: "Held as a change request for a second admin", schema: changeRequested },
      },
      async handler(c, { principal, body }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        // No puppets: whoever chose a person's password could sign in as them. The person sets
        // their own through an invitation link, or signs in by SSO.
        if (body.password !== undefined && body.password !== null)
          throw new AirlockError("admin.password_not_allowed");
        const outcome = await deps.changes.submit(
          ctx,
          {
            kind: "user.create",
            payload: {
              email: body.email,
              // The display name is free text; a card number or an email typed into it is masked.
              name: scrubText(body.name),
              groups: [...new Set(body.groups)],
              signIn: body.signIn,
            },
          },
          body.reason,
        );
        const user = outcome.applied ? await getUser(pool, outcome.result.userId as string) : null;
        return answerChange(c, outcome, () => json(c, user, 201));
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/admin/users/:id",
      summary: "Admin: one user, with groups, roles and API tokens",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The user", schema: adminUserDetail } },
      async handler(c, { principal }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        const user = await getUser(pool, c.req.param("id") ?? "");
        if (!user) throw new AirlockError("admin.not_found", "There is no such user.");
        const roles = deps.authorizer.rolesOf({ ...user, via: "service" });
        return json(c, { ...user, roles, tokens: await listTokens(pool, { userId: user.id }) });
      },
    });

    for (const [verb, status] of [
      ["disable", "disabled"],
      ["enable", "active"],
    ] as const) {
      routes.add({
        method: "post",
        path: `/api/v1/admin/users/:id/${verb}`,
        summary:
          verb === "disable"
            ? "Admin: disable a user; their sessions and API tokens stop working on the next request"
            : "Admin: enable a user again (and clear a sign-in lockout)",
        tags: ["admin"],
        auth: "principal",
        responses: { 200: { description: "The user after the change", schema: adminUser } },
        async handler(c, { principal }) {
          const ctx = changeContext(c, principal);
          await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
          return json(c, await setUserStatus(pool, ctx, c.req.param("id") ?? "", status));
        },
      });
    }

    routes.add({
      method: "get",
      path: "/api/v1/admin/services",
      summary: "Admin: service identities (schedules and runbooks act as these), with roles and tokens",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The service identities", schema: serviceList } },
      async handler(c, { principal }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        const services = await listUsers(pool, { kind: "service" });
        const result = [];
        for (const service of services) {
          const tokens = await listTokens(pool, { userId: service.id });
          result.push({
            id: service.id,
            name: service.name,
            description: deps.workspace.services[service.name]?.description ?? null,
            status: service.status,
            roles: deps.authorizer.rolesOf({ ...service, via: "service" }),
            tokens,
          });
        }
        return json(c, { services: result });
      },
    });
  };
}
