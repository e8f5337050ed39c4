// Outbound webhooks (admins): register, list, and each webhook's delivery log.
import { z } from "zod";
import { isoTime } from "./common.ts";
import { notification } from "./notifications.ts";

export const WEBHOOK_EVENT_TYPES = [
  "approval.requested",
  "approval.decided",
  "run.finished",
  "run.failed",
] as const;

export const newWebhookBody = z.strictObject({
  url: z.string().min(8).max(2_000),
  eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length),
  description: z.string().max(500).optional(),
  /** Allow a private or loopback destination (an internal service); refused otherwise. */
  internal: z.boolean().default(false),
});

export type NewWebhookBody = z.input<typeof newWebhookBody>;

export const webhook = z.strictObject({
  id: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  internal: z.boolean(),
  description: z.string().nullable(),
  createdBy: z.string(),
  createdAt: isoTime,
  /** Set while an admin has it disabled: nothing is delivered. */
  disabledAt: isoTime.nullable(),
});
export type Webhook = z.output<typeof webhook>;

/** The answer to a registration: the only time the signing secret is shown. */
export const createdWebhook = z.strictObject({ webhook, secret: z.string() });
export type CreatedWebhook = z.output<typeof createdWebhook>;
export const webhookAnswer = z.strictObject({ webhook });
export const webhookList = z.strictObject({ webhooks: z.array(webhook) });
export type WebhookList = z.output<typeof webhookList>;

export const deliveryLog = z.strictObject({ deliveries: z.array(notification) });
export type DeliveryLog = z.output<typeof deliveryLog>;

export const deliveryLogQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
