// Notifications in SQL (migrations/0050_notifications.sql): written from an event, then moved by
// the delivery job — delivered, or one more failed attempt with its error.
import { newId } from "../ids/ids.ts";
import type { Queryable } from "../store/queryable.ts";

export type NotificationChannel = "email" | "slack" | "webhook" | "in_app";
export type NotificationStatus = "pending" | "delivered" | "failed";

export interface NewNotification {
  eventId: string;
  eventType: string;
  channel: NotificationChannel;
  recipientId: string | null;
  address: string;
  subject: string;
  text: string;
  html: string | null;
  content: unknown;
  approvalRequestId: string | null;
  runId: string | null;
  /** Delivered as it is written (an in-app notification: the row is the delivery); no job. */
  delivered?: boolean;
}

export interface NotificationRow {
  id: string;
  event_id: string;
  event_type: string;
  channel: NotificationChannel;
  recipient_id: string | null;
  address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  content: unknown;
  approval_request_id: string | null;
  run_id: string | null;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  created_at: Date;
}

/**
 * Insert the notifications of one event. Returns the ids of the rows this call created: a repeat
 * of the event (at-least-once delivery) creates none, so no job is enqueued twice.
 */
export async function insertNotifications(
  db: Queryable,
  rows: readonly NewNotification[],
): Promise<string[]> {
  const created: string[] = [];
  for (const row of rows) {
    const result = await db.query<{ id: string }>(
      `INSERT INTO airlock.notifications
         (id, event_id, event_type, channel, recipient_id, address, subject, body_text, body_html, content,
          approval_request_id, run_id, status, delivered_at)
       VALUES ($1, $2::bigint, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12,
               CASE WHEN $13 THEN 'delivered' ELSE 'pending' END, CASE WHEN $13 THEN now() END)
       ON CONFLICT (event_id, channel, address) DO NOTHING RETURNING id`,
      [
        newId("ntf"),
        row.eventId,
        row.eventType,
        row.channel,
        row.recipientId,
        row.address,
        row.subject,
        row.text,
        row.html,
        row.content === null || row.content === undefined ? null : JSON.stringify(row.content),
        row.approvalRequestId,
        row.runId,
        row.delivered === true,
      ],
    );
    if (result.rows[0]) created.push(result.rows[0].id);
  }
  return created;
}

export async function getNotification(db: Queryable, id: string): Promise<NotificationRow | null> {
  const result = await db.query<NotificationRow>("SELECT * FROM airlock.notifications WHERE id = $1", [id]);
  return result.rows[0] ?? null;
}

/** A delivered notification; `content` is merged with what the channel returned (Slack's ts). */
export async function markDelivered(db: Queryable, id: string, facts: object | null = null): Promise<void> {
  await db.query(
    `UPDATE airlock.notifications SET status = 'delivered', attempts = attempts + 1, last_attempt_at = now(),
            delivered_at = now(), content = CASE WHEN $2::jsonb IS NULL THEN content
                                                 ELSE coalesce(content, '{}'::jsonb) || $2::jsonb END
      WHERE id = $1`,
    [id, facts === null ? null : JSON.stringify(facts)],
  );
}

/** One failed attempt; `final` when the engine will not try again. */
export async function markAttemptFailed(
  db: Queryable,
  id: string,
  error: string,
  final: boolean,
): Promise<void> {
  await db.query(
    `UPDATE airlock.notifications SET attempts = attempts + 1, last_attempt_at = now(), last_error = $2,
            status = CASE WHEN $3 THEN 'failed' ELSE 'pending' END
      WHERE id = $1 AND status <> 'delivered'`,
    [id, error.slice(0, 500), final],
  );
}

export async function listNotifications(
  db: Queryable,
  filter: { channel?: NotificationChannel; approvalRequestId?: string; address?: string; limit: number },
): Promise<NotificationRow[]> {
  const result = await db.query<NotificationRow>(
    `SELECT * FROM airlock.notifications
      WHERE ($1::text IS NULL OR channel = $1) AND ($2::text IS NULL OR approval_request_id = $2)
        AND ($4::text IS NULL OR address = $4)
      ORDER BY created_at DESC, id DESC LIMIT $3`,
    [filter.channel ?? null, filter.approvalRequestId ?? null, filter.limit, filter.address ?? null],
  );
  return result.rows;
}
