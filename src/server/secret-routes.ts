// Admin: secrets. Every route requires `admin` on `*` (a refusal is audited); a value goes in
// and never comes back out: answers carry names, versions and who changed what when.
import { putSecretBody, secretInfo, secretList } from "../api/secrets.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import { deleteSecret, getSecretInfo, listSecrets, putSecret } from "../secrets/secret-store.ts";
import type { Database } from "../store/database.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export interface SecretRoutesDeps {
  database: Database;
  authorizer: Authorizer;
  keyring: Keyring | null;
}

export function secretRoutes(deps: SecretRoutesDeps) {
  const pool = deps.database.pool;
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/admin/secrets",
      summary: "Admin: secrets by name, with owner, version and who changed them when (never values)",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The secrets", schema: secretList } },
      async handler(c, { principal }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        return json(c, { secrets: await listSecrets(pool) });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/admin/secrets/:name",
      summary: "Admin: one secret's metadata (never its value)",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The secret's metadata", schema: secretInfo } },
      async handler(c, { principal }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        return json(c, await getSecretInfo(pool, c.req.param("name") ?? ""));
      },
    });

    routes.add({
      method: "put",
      path: "/api/v1/admin/secrets/:name",
      summary: "Admin: create a secret, or replace its value (stored encrypted, never returned)",
      tags: ["admin"],
      auth: "principal",
      body: putSecretBody,
      bodyLimit: 128 * 1024,
      responses: {
        200: { description: "Replaced: the secret's new version", schema: secretInfo },
        201: { description: "Created", schema: secretInfo },
      },
      async handler(c, { principal, body }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        const { secret, created } = await putSecret(pool, deps.keyring, ctx, {
          name: c.req.param("name") ?? "",
          value: body.value,
          owner: body.owner,
        });
        return json(c, secret, created ? 201 : 200);
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/admin/secrets/:name",
      summary: "Admin: delete a secret",
      tags: ["admin"],
      auth: "principal",
      responses: { 204: { description: "Deleted" } },
      async handler(c, { principal }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        await deleteSecret(pool, ctx, c.req.param("name") ?? "");
        return c.body(null, 204);
      },
    });
  };
}
