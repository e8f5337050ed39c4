// In-app notifications: the list behind the bell in the console's header. Each is a notification
// row of channel `in_app` (migrations/0160), written by the notifier for a person who has the
// in-app switch on for that event type, delivered as it is written (the row is the delivery), and
// announced to that person's open consoles by a `notification.created` event in the same
// transaction. A person reads and marks only their own rows: every query names the recipient.
import type { OutboxEvent } from "../events/event-types.ts";
import type { Queryable } from "../store/queryable.ts";
import type { EventContent } from "./notification-content.ts";
import type { NewNotification, NotificationRow } from "./notification-store.ts";

/** How many the list shows; older ones stay in the table (and the admin delivery log). */
export const IN_APP_LIST_MAX = 50;

export interface InAppContent {
  /** Where the notification leads, as a path of the console ("/approvals/apr_…"). */
  path: string;
}

/** The in-app rows of one event: one per person in `recipients`, addressed to their user id. */
export function inAppRows(event: OutboxEvent, content: EventContent, baseUrl: string): NewNotification[] {
  const href = content.parts.link.href;
  // Links in content are absolute (for email and Slack); the console wants its own path.
  const path = href.startsWith(baseUrl) ? href.slice(baseUrl.length) || "/" : new URL(href).pathname;
  return content.recipients.map((person) => ({
    eventId: event.id,
    eventType: event.type,
    channel: "in_app" as const,
    recipientId: person.id,
    address: person.id,
    subject: content.parts.subject,
    text: content.parts.intro,
    html: null,
    content: { path } satisfies InAppContent,
    approvalRequestId: content.approvalRequestId,
    runId: content.runId,
    delivered: true,
  }));
}

/** A person's in-app notifications, newest first, and how many are unread. */
export async function inAppNotificationsOf(
  db: Queryable,
  userId: string,
): Promise<{ rows: NotificationRow[]; unread: number }> {
  // Both use notifications_in_app_idx (recipient_id, created_at DESC) WHERE channel = 'in_app'.
  const [rows, unread] = await Promise.all([
    db.query<NotificationRow>(
      `SELECT * FROM airlock.notifications WHERE channel = 'in_app' AND recipient_id = $1
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [userId, IN_APP_LIST_MAX],
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM airlock.notifications
        WHERE channel = 'in_app' AND recipient_id = $1 AND read_at IS NULL`,
      [userId],
    ),
  ]);
  return { rows: rows.rows, unread: unread.rows[0]?.n ?? 0 };
}

/** Mark the person's own notifications read: those of `ids`, or all (`ids` null). Others' are untouched. */
export async function markInAppRead(
  db: Queryable,
  userId: string,
  ids: readonly string[] | null,
): Promise<number> {
  const result = await db.query(
    `UPDATE airlock.notifications SET read_at = now()
      WHERE channel = 'in_app' AND recipient_id = $1 AND read_at IS NULL
        AND ($2::text[] IS NULL OR id = ANY($2::text[]))`,
    [userId, ids],
  );
  return result.rowCount ?? 0;
}
