// Notifications: the delivery log (admins) and the demo's Mailbox (admins, demo mode only). Both
// show what was sent — text already masked when it was written — with its delivery status.
import {
  groupDefaultAnswer,
  groupDefaultBody,
  groupDefaultList,
  inAppNotificationList,
  inAppNotificationQuery,
  mailboxQuery,
  markReadAnswer,
  markReadBody,
  type Notification,
  notificationList,
  notificationListQuery,
  notificationPreferences,
  preferenceBody,
} from "../api/notifications.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import { type InAppContent, inAppNotificationsOf, markInAppRead } from "../notify/in-app-notifications.ts";
import { NOTIFIED_EVENTS, type NotifiedEvent } from "../notify/notification-content.ts";
import {
  groupDefaults,
  preferencesOf,
  setGroupDefault,
  setPreference,
} from "../notify/notification-preferences.ts";
import { listNotifications, type NotificationRow } from "../notify/notification-store.ts";
import type { Database } from "../store/database.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export interface NotificationRoutesDeps {
  database: Database;
  authorizer: Authorizer;
  /** The demo's local mail sink runs: the Mailbox exists. */
  demoMailbox: boolean;
}

export function notificationRoutes(deps: NotificationRoutesDeps) {
  const pool = deps.database.pool;
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/admin/notifications",
      summary:
        "Admin: notifications sent (email, Slack, webhooks, in-app) with delivery status, attempts and last error",
      tags: ["admin", "notifications"],
      auth: "principal",
      query: notificationListQuery,
      responses: { 200: { description: "Newest first", schema: notificationList } },
      async handler(c, { principal, query }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        const rows = await listNotifications(pool, {
          ...(query.channel ? { channel: query.channel } : {}),
          ...(query.approvalRequestId ? { approvalRequestId: query.approvalRequestId } : {}),
          limit: query.limit,
        });
        return json(c, { notifications: rows.map(notificationView) });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/me/notification-preferences",
      summary:
        "Your notification preferences: per event type and channel, on or off, and whether you, your groups or the default decided",
      tags: ["notifications"],
      auth: "principal",
      responses: { 200: { description: "The preferences", schema: notificationPreferences } },
      async handler(c, { principal }) {
        return json(c, { preferences: await preferencesOf(pool, principal.id) });
      },
    });

    routes.add({
      method: "put",
      path: "/api/v1/me/notification-preferences",
      summary: "Turn one kind of notification on or off for yourself (wins over your groups' defaults)",
      tags: ["notifications"],
      auth: "principal",
      body: preferenceBody,
      bodyLimit: 1024,
      responses: { 200: { description: "The preferences now", schema: notificationPreferences } },
      async handler(c, { principal, body }) {
        if (principal.kind !== "human")
          throw new AirlockError("permission.denied", "Service identities get no notifications.");
        await setPreference(pool, principal.id, body);
        return json(c, { preferences: await preferencesOf(pool, principal.id) });
      },
    });

    routes.add({
      method: "put",
      path: "/api/v1/admin/groups/:name/notification-defaults",
      summary: "Admin: a group's default for one kind of notification (a member's own choice still wins)",
      tags: ["admin", "notifications"],
      auth: "principal",
      body: groupDefaultBody,
      bodyLimit: 1024,
      responses: { 200: { description: "The default", schema: groupDefaultAnswer } },
      async handler(c, { principal, body }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        const group = c.req.param("name") ?? "";
        if (!(await setGroupDefault(pool, principal.id, { group, ...body })))
          throw new AirlockError("admin.not_found", "There is no such group.");
        return json(c, { group, ...body });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/admin/notification-defaults",
      summary: "Admin: every group's notification defaults (a combination not listed is on), and the groups",
      tags: ["admin", "notifications"],
      auth: "principal",
      responses: { 200: { description: "The defaults", schema: groupDefaultList } },
      async handler(c, { principal }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        const groups = await pool.query<{ name: string }>("SELECT name FROM airlock.groups ORDER BY name");
        const defaults = (await groupDefaults(pool)).filter(
          (d): d is typeof d & { eventType: NotifiedEvent } =>
            (NOTIFIED_EVENTS as readonly string[]).includes(d.eventType),
        );
        return json(c, { groups: groups.rows.map((g) => g.name), defaults });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/me/notifications",
      summary:
        "Your in-app notifications (the header's bell), newest first, a page at a time (before = the previous page's nextCursor), and how many of all are unread; only your own",
      tags: ["notifications"],
      auth: "principal",
      query: inAppNotificationQuery,
      responses: { 200: { description: "Your notifications", schema: inAppNotificationList } },
      async handler(c, { principal, query }) {
        const { rows, unread, nextCursor } = await inAppNotificationsOf(pool, principal.id, query);
        return json(c, {
          notifications: rows.map((row) => ({
            id: row.id,
            eventType: row.event_type as NotifiedEvent,
            subject: row.subject,
            text: row.body_text,
            path: (row.content as InAppContent | null)?.path ?? "/",
            readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
            createdAt: new Date(row.created_at).toISOString(),
          })),
          unread,
          nextCursor,
        });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/me/notifications/read",
      summary: "Mark your in-app notifications read: the ones listed, or all; others' are never touched",
      tags: ["notifications"],
      auth: "principal",
      body: markReadBody,
      bodyLimit: 16 * 1024,
      responses: { 200: { description: "How many were marked", schema: markReadAnswer } },
      async handler(c, { principal, body }) {
        const marked = await markInAppRead(pool, principal.id, "ids" in body ? body.ids : null);
        return json(c, { marked });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/mailbox",
      summary: "Demo mode: the emails Airlock sent to the local mail sink (admins)",
      tags: ["notifications"],
      auth: "principal",
      query: mailboxQuery,
      responses: { 200: { description: "Newest first", schema: notificationList } },
      async handler(c, { principal, query }) {
        if (!deps.demoMailbox)
          throw new AirlockError("request.not_found", "The Mailbox exists only in demo mode.");
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        const rows = await listNotifications(pool, { channel: "email", limit: query.limit });
        return json(c, { notifications: rows.map(notificationView) });
      },
    });
  };
}

export function notificationView(row: NotificationRow): Notification {
  return {
    id: row.id,
    eventType: row.event_type,
    channel: row.channel,
    recipientId: row.recipient_id,
    to: row.address,
    subject: row.subject,
    text: row.body_text,
    html: row.body_html,
    approvalRequestId: row.approval_request_id,
    runId: row.run_id,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at ? new Date(row.last_attempt_at).toISOString() : null,
    deliveredAt: row.delivered_at ? new Date(row.delivered_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
