// Outbound webhooks, for admins (`admin` on `*`): register (the URL checked by the SSRF guard; the
// signing secret in the answer, once), list, and one webhook's delivery log.
import {
  createdWebhook,
  deliveryLog,
  deliveryLogQuery,
  newWebhookBody,
  type Webhook,
  webhookAnswer,
  webhookList,
} from "../api/webhooks.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import { listNotifications } from "../notify/notification-store.ts";
import { deleteWebhook, setWebhookDisabled } from "../notify/webhook-admin.ts";
import { createWebhook, listWebhooks, type WebhookRow } from "../notify/webhooks.ts";
import type { Database } from "../store/database.ts";
import { notificationView } from "./notification-routes.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export function webhookRoutes(deps: { database: Database; authorizer: Authorizer; keyring: Keyring | null }) {
  const pool = deps.database.pool;
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/admin/webhooks",
      summary:
        "Admin: register a webhook (URL and event types); the answer holds its signing secret, shown once",
      tags: ["admin", "webhooks"],
      auth: "principal",
      body: newWebhookBody,
      bodyLimit: 8 * 1024,
      responses: { 201: { description: "The webhook and its secret", schema: createdWebhook } },
      async handler(c, { principal, body }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        const created = await createWebhook(pool, ctx, body, { keyring: deps.keyring });
        return json(c, { webhook: webhookView(created.webhook), secret: created.secret }, 201);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/admin/webhooks",
      summary: "Admin: the registered webhooks (never their secrets)",
      tags: ["admin", "webhooks"],
      auth: "principal",
      responses: { 200: { description: "The webhooks", schema: webhookList } },
      async handler(c, { principal }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        return json(c, { webhooks: (await listWebhooks(pool)).map(webhookView) });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/admin/webhooks/:id/deliveries",
      summary: "Admin: a webhook's delivery log — each delivery's status, attempts and last error",
      tags: ["admin", "webhooks"],
      auth: "principal",
      query: deliveryLogQuery,
      responses: { 200: { description: "Newest first", schema: deliveryLog } },
      async handler(c, { principal, query }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        const id = c.req.param("id");
        if (!(await listWebhooks(pool)).some((w) => w.id === id)) throw new AirlockError("webhook.not_found");
        const rows = await listNotifications(pool, { channel: "webhook", address: id, limit: query.limit });
        return json(c, { deliveries: rows.map(notificationView) });
      },
    });

    for (const [verb, disabled] of [
      ["disable", true],
      ["enable", false],
    ] as const) {
      routes.add({
        method: "post",
        path: `/api/v1/admin/webhooks/:id/${verb}`,
        summary: disabled
          ? "Admin: disable a webhook — nothing more is delivered (pending deliveries are skipped); audited"
          : "Admin: enable a disabled webhook again; audited",
        tags: ["admin", "webhooks"],
        auth: "principal",
        responses: { 200: { description: "The webhook now", schema: webhookAnswer } },
        async handler(c, { principal }) {
          const ctx = changeContext(c, principal);
          await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
          const row = await setWebhookDisabled(pool, ctx, c.req.param("id") ?? "", disabled);
          return json(c, { webhook: webhookView(row) });
        },
      });
    }

    routes.add({
      method: "delete",
      path: "/api/v1/admin/webhooks/:id",
      summary: "Admin: delete a webhook and its secret (its delivery log stays); audited",
      tags: ["admin", "webhooks"],
      auth: "principal",
      responses: { 204: { description: "Deleted" } },
      async handler(c, { principal }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        await deleteWebhook(pool, ctx, c.req.param("id") ?? "");
        return c.body(null, 204);
      },
    });
  };
}

function webhookView(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    internal: row.internal,
    description: row.description,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    disabledAt: row.disabled_at ? new Date(row.disabled_at).toISOString() : null,
  };
}
