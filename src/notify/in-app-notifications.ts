// In-app notifications: the list behind the bell in the console's header. Each is a notification
// row of channel `in_app` (migrations/0160), written by the notifier for a person who has the
// in-app switch on for that event type, delivered as it is written (the row is the delivery), and
// announced to that person's open consoles by a `notification.created` event in the same
// transaction. A person reads and marks only their own rows: every query names the recipient.
import { AirlockError } from "../errors/airlock-error.ts";
import type { OutboxEvent } from "../events/event-types.ts";
import type { Queryable } from "../store/queryable.ts";
import type { EventContent } from "./notification-content.ts";
import type { NewNotification, NotificationRow } from "./notification-store.ts";

/** How many one page of the list shows unless asked for fewer or more (at most 100). */
export const IN_APP_PAGE_DEFAULT = 50;

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

/**
 * One page of a person's in-app notifications, newest first, and how many of all of theirs are
 * unread. Keyset paging over (created_at, id): `before` is the previous page's `nextCursor`, so a
 * notification written while someone pages never shifts or repeats the older pages. The cursor
 * carries created_at to the microsecond (a millisecond cursor would skip rows written within the
 * same millisecond as a page's last one). A cursor names no person: the recipient is always the
 * caller, so another person's cursor only says where to start in the caller's own list.
 */
export async function inAppNotificationsOf(
  db: Queryable,
  userId: string,
  page: { before?: string | undefined; limit?: number | undefined } = {},
): Promise<{ rows: NotificationRow[]; unread: number; nextCursor: string | null }> {
  const limit = page.limit ?? IN_APP_PAGE_DEFAULT;
  const before = page.before === undefined ? null : decodeCursor(page.before);
  // Both use notifications_in_app_idx (recipient_id, created_at DESC) WHERE channel = 'in_app'.
  // One row more than asked says whether an older page exists without a count(*).
  const [rows, unread] = await Promise.all([
    db.query<NotificationRow & { cursor_at: string }>(
      `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM airlock.notifications WHERE channel = 'in_app' AND recipient_id = $1
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [userId, before?.at ?? null, before?.id ?? null, limit + 1],
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM airlock.notifications
        WHERE channel = 'in_app' AND recipient_id = $1 AND read_at IS NULL`,
      [userId],
    ),
  ]);
  const shown = rows.rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    rows: shown,
    unread: unread.rows[0]?.n ?? 0,
    nextCursor: rows.rows.length > limit && last ? encodeCursor(last.cursor_at, last.id) : null,
  };
}

function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`).toString("base64url");
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  // The date must be a real one (PostgreSQL would refuse 2026-02-31 with a 500 otherwise).
  const valid =
    at !== undefined &&
    CURSOR_TIME.test(at) &&
    !Number.isNaN(Date.parse(at)) &&
    new Date(at).toISOString().slice(0, 19) === at.slice(0, 19) &&
    id !== undefined &&
    id.length > 0 &&
    id.length <= 100 &&
    rest.length === 0;
  if (!valid || at === undefined || id === undefined)
    throw new AirlockError(
      "request.invalid_query",
      "The cursor is not valid: use the nextCursor of a previous page.",
    );
  return { at, id };
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
