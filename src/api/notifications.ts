// Notifications: what Airlock sent (email, Slack, webhooks, in-app) and whether it arrived — the
// delivery log admins read, and the demo's Mailbox; a person's own in-app list (the header's
// bell); preferences per event type and channel, and admins' defaults per group.
import { z } from "zod";
import { isoTime } from "./common.ts";

export const NOTIFICATION_CHANNELS = ["email", "slack", "webhook", "in_app"] as const;
/** The channels a person switches per event type: in the console, by email, as a Slack direct message. */
export const PREFERENCE_CHANNELS = ["in_app", "email", "slack"] as const;
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
  /** An email address, a Slack channel or user id, a webhook id, a user id (in-app). */
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
      channel: z.enum(PREFERENCE_CHANNELS),
      enabled: z.boolean(),
      source: z.enum(["user", "group", "default"]),
    }),
  ),
});

export const preferenceBody = z.strictObject({
  eventType: z.enum(NOTIFIED_EVENT_TYPES),
  channel: z.enum(PREFERENCE_CHANNELS),
  enabled: z.boolean(),
});

export const groupDefaultBody = preferenceBody;
export const groupDefaultAnswer = z.strictObject({
  group: z.string(),
  eventType: z.enum(NOTIFIED_EVENT_TYPES),
  channel: z.enum(PREFERENCE_CHANNELS),
  enabled: z.boolean(),
});

/** Every group's defaults as admins set them (a combination not listed is on). */
export const groupDefaultList = z.strictObject({
  groups: z.array(z.string()),
  defaults: z.array(groupDefaultAnswer),
});
export type GroupDefaultList = z.output<typeof groupDefaultList>;

/** One of the person's in-app notifications (the header's bell). */
export const inAppNotification = z.strictObject({
  id: z.string(),
  eventType: z.enum(NOTIFIED_EVENT_TYPES),
  subject: z.string(),
  text: z.string(),
  /** The console's page it leads to ("/approvals/apr_…"). */
  path: z.string(),
  readAt: isoTime.nullable(),
  createdAt: isoTime,
});
/** A page of the person's in-app notifications: `before` is the `nextCursor` of the page above. */
export const inAppNotificationQuery = z.strictObject({
  before: z.string().max(200).optional().describe("The nextCursor of the previous page; absent: the newest"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type InAppNotificationQuery = z.output<typeof inAppNotificationQuery>;
export const inAppNotificationList = z.strictObject({
  notifications: z.array(inAppNotification),
  /** All of the person's unread ones, not only this page's. */
  unread: z.number().int(),
  /** Give it as `before` for the next (older) page; null: this is the last. */
  nextCursor: z.string().nullable(),
});
export type InAppNotificationList = z.output<typeof inAppNotificationList>;

/** Mark read: the listed ones, or all of yours. */
export const markReadBody = z.union([
  z.strictObject({ ids: z.array(z.string().max(100)).min(1).max(200) }),
  z.strictObject({ all: z.literal(true) }),
]);
export const markReadAnswer = z.strictObject({ marked: z.number().int() });
