// Notifications: what Airlock sent (email, Slack, webhooks) and whether it arrived — the delivery
// log admins read, and the demo's Mailbox.
import { z } from "zod";
import { isoTime } from "./common.ts";

export const NOTIFICATION_CHANNELS = ["email", "slack", "webhook"] as const;
export const NOTIFICATION_STATUSES = ["pending", "delivered", "failed"] as const;

export const notificationListQuery = z.strictObject({
  channel: z.enum(NOTIFICATION_CHANNELS).optional(),
  approvalRequestId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const notification = z.strictObject({
  id: z.string(),
  eventType: z.string(),
  channel: z.enum(NOTIFICATION_CHANNELS),
  recipientId: z.string().nullable(),
  /** An email address, a Slack channel, a webhook id. */
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable(),
  approvalRequestId: z.string().nullable(),
  runId: z.string().nullable(),
  /** `pending`: not delivered yet (see attempts and lastError); `failed`: retries exhausted. */
  status: z.enum(NOTIFICATION_STATUSES),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  lastAttemptAt: isoTime.nullable(),
  deliveredAt: isoTime.nullable(),
  createdAt: isoTime,
});
export type Notification = z.output<typeof notification>;

export const notificationList = z.strictObject({ notifications: z.array(notification) });
export type NotificationList = z.output<typeof notificationList>;

export const mailboxQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * The live-updates stream (text/event-stream). Each event: `id` (its position, sent back as
 * Last-Event-ID on reconnect), `event` (the type: approval.requested, approval.decided,
 * run.finished, run.failed, bulk.progress), `data` (JSON: ids and statuses, e.g. `{"approvalRequestId":"apr_…",
 * "runId":"run_…","action":"issue_credit","status":"approved"}`).
 */
export const liveEventsNote = z.string().describe("Server-Sent Events; see the route's summary");

export const NOTIFIED_EVENT_TYPES = [
  "approval.requested",
  "approval.decided",
  "run.failed",
  "runbook.waiting",
] as const;

/** A person's notification preferences: for each event type and channel, on or off, and why. */
export const notificationPreferences = z.strictObject({
  preferences: z.array(
    z.strictObject({
      eventType: z.enum(NOTIFIED_EVENT_TYPES),
      channel: z.enum(["email"]),
      enabled: z.boolean(),
      source: z.enum(["user", "group", "default"]),
    }),
  ),
});

export const preferenceBody = z.strictObject({
  eventType: z.enum(NOTIFIED_EVENT_TYPES),
  channel: z.enum(["email"]),
  enabled: z.boolean(),
});

export const groupDefaultBody = preferenceBody;
export const groupDefaultAnswer = z.strictObject({
  group: z.string(),
  eventType: z.enum(NOTIFIED_EVENT_TYPES),
  channel: z.enum(["email"]),
  enabled: z.boolean(),
});
