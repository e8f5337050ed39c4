// Outbound webhooks: registration (an admin; the URL checked by the SSRF guard, the secret shown
// once) and delivery as a notification channel — a signed POST per event and webhook, retried with
// backoff by the engine, each attempt's status and error on the row (the webhook's delivery log).
//
// Signature (docs/notifications.md): `X-Airlock-Signature: t=<unix seconds>,v1=<hex>` where hex is
// HMAC-SHA256 under the webhook's secret of `<t>.<raw body>`. A receiver recomputes it and refuses
// a t more than 5 minutes off. Redirects are never followed: a 3xx is a failed attempt.
import { createHmac, randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { OutboxEvent } from "../events/event-types.ts";
import type { ChangeContext } from "../identity/admin-change.ts";
import { newId } from "../ids/ids.ts";
import { judgeAddress } from "../outbound/address-verdict.ts";
import { OutboundError, outboundRequest } from "../outbound/outbound-client.ts";
import { OutboundUrlError, parseOutboundUrl } from "../outbound/outbound-url.ts";
import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import { eventSummary } from "./live-feed.ts";
import type { NewNotification, NotificationRow } from "./notification-store.ts";
import type { ChannelSender } from "./notifier.ts";
import { sealWebhookSecret, webhookSecret } from "./webhook-secrets.ts";

/** The event types a webhook may subscribe to: those Airlock emits today. */
export const WEBHOOK_EVENT_TYPES = [
  "approval.requested",
  "approval.decided",
  "run.finished",
  "run.failed",
] as const;

export interface WebhookRow {
  id: string;
  url: string;
  event_types: string[];
  internal: boolean;
  description: string | null;
  created_by: string;
  created_at: Date;
  disabled_at: Date | null;
}

export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export async function listWebhooks(db: Queryable): Promise<WebhookRow[]> {
  const result = await db.query<WebhookRow>(
    `SELECT id, url, event_types, internal, description, created_by, created_at, disabled_at
       FROM airlock.webhooks ORDER BY created_at DESC`,
  );
  return result.rows;
}

/** Register a webhook. Returns it with its secret — the only time the secret leaves the server. */
export async function createWebhook(
  pool: pg.Pool,
  ctx: ChangeContext,
  input: { url: string; eventTypes: string[]; description?: string | undefined; internal: boolean },
  deps: { keyring: Keyring | null; resolve?: (host: string) => Promise<string[]> },
): Promise<{ webhook: WebhookRow; secret: string }> {
  await checkDestination(input.url, input.internal, deps.resolve);
  const unknown = input.eventTypes.filter((t) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0 || input.eventTypes.length === 0)
    throw new AirlockError("admin.invalid", `Unknown event types: ${unknown.join(", ") || "(none given)"}.`);
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const id = newId("whk");
  const envelope = sealWebhookSecret(deps.keyring, id, secret);
  const webhook = await inTransaction(pool, async (tx) => {
    const result = await tx.query<WebhookRow>(
      `INSERT INTO airlock.webhooks (id, url, event_types, secret_envelope, internal, description, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, url, event_types, internal, description, created_by, created_at, disabled_at`,
      [
        id,
        input.url,
        [...new Set(input.eventTypes)],
        envelope,
        input.internal,
        input.description ? scrubText(input.description) : null,
        ctx.actor.id,
      ],
    );
    const row = result.rows[0]!;
    await appendAudit(tx, [
      {
        type: "webhook.created",
        outcome: "success",
        actorId: ctx.actor.id,
        actorKind: ctx.actor.kind,
        requestId: ctx.requestId,
        data: { webhookId: row.id, url: row.url, eventTypes: row.event_types, internal: row.internal },
        clientIp: ctx.client.clientIp,
        userAgent: ctx.client.userAgent,
      },
    ]);
    return row;
  });
  return { webhook, secret };
}

/** The URL is http(s) and every address it resolves to is allowed (private ones only if internal). */
async function checkDestination(
  url: string,
  internal: boolean,
  resolve: ((host: string) => Promise<string[]>) | undefined,
): Promise<void> {
  let parsed: ReturnType<typeof parseOutboundUrl>;
  try {
    parsed = parseOutboundUrl(url);
  } catch (error) {
    if (error instanceof OutboundUrlError)
      throw new AirlockError("webhook.url_refused", `The URL is ${error.message}.`);
    throw error;
  }
  let addresses: string[];
  try {
    addresses = parsed.literal
      ? [parsed.literal]
      : resolve
        ? await resolve(parsed.hostname)
        : (await lookup(parsed.hostname, { all: true })).map((a) => a.address);
  } catch {
    throw new AirlockError("webhook.url_refused", `The host ${parsed.hostname} does not resolve.`);
  }
  for (const address of addresses) {
    const verdict = judgeAddress(address, { internal });
    if (!verdict.allowed)
      throw new AirlockError(
        "webhook.url_refused",
        `The URL points at ${verdict.reason}${internal ? "" : "; mark the webhook internal to allow private addresses"}.`,
      );
  }
}

/** Webhooks as a notification channel (notify/notifier.ts). */
export function webhookChannel(options: {
  db: Queryable;
  keyring: Keyring | null;
  resolve?: (host: string) => Promise<string[]>;
}): ChannelSender {
  const { db } = options;
  return {
    async rowsFor(event: OutboxEvent): Promise<NewNotification[]> {
      if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event.type)) return [];
      // Named: asked for every event the outbox delivers.
      const hooks = await db.query<{ id: string; url: string }>({
        name: "airlock.webhooks_for_event",
        text: "SELECT id, url FROM airlock.webhooks WHERE disabled_at IS NULL AND $1 = ANY(event_types)",
        values: [event.type],
      });
      if (hooks.rows.length === 0) return [];
      const body = JSON.stringify({
        id: `evt_${event.id}`,
        type: event.type,
        createdAt: event.createdAt.toISOString(),
        data: eventSummary(event),
      });
      const p = event.payload as { approvalRequestId?: string | null; runId?: string | null };
      return hooks.rows.map((hook) => ({
        eventId: event.id,
        eventType: event.type,
        channel: "webhook" as const,
        recipientId: null,
        address: hook.id,
        subject: `${event.type} → ${hook.url}`,
        text: body,
        html: null,
        content: null,
        approvalRequestId: p.approvalRequestId ?? null,
        runId: p.runId ?? null,
      }));
    },

    async send(row: NotificationRow): Promise<object | null> {
      const hook = await db.query<{
        id: string;
        url: string;
        secret_envelope: Buffer | null;
        plaintext_secret: string | null;
        internal: boolean;
        disabled_at: Date | null;
      }>(
        "SELECT id, url, secret_envelope, plaintext_secret, internal, disabled_at FROM airlock.webhooks WHERE id = $1",
        [row.address],
      );
      const webhook = hook.rows[0];
      if (!webhook || webhook.disabled_at) return { skipped: "the webhook was removed or disabled" };
      const timestamp = Math.floor(Date.now() / 1000);
      const secret = webhookSecret(options.keyring, webhook);
      try {
        const response = await outboundRequest(
          {
            url: webhook.url,
            method: "POST",
            headers: {
              "content-type": "application/json",
              "user-agent": "Airlock-Webhooks/1",
              "x-airlock-event": row.event_type,
              "x-airlock-delivery": row.id,
              "x-airlock-signature": webhookSignature(secret, timestamp, row.body_text),
            },
            body: row.body_text,
            internal: webhook.internal,
            timeoutMs: 10_000,
            maxResponseBytes: 4_096,
          },
          options.resolve ? { resolve: options.resolve } : {},
        );
        if (response.status >= 300 && response.status < 400)
          throw new Error(`HTTP ${response.status}: redirects are not followed`);
        if (response.status >= 400) throw new Error(`HTTP ${response.status}`);
        return { status: response.status };
      } catch (error) {
        if (error instanceof OutboundError) throw new Error(`${error.kind}: ${error.message}`);
        throw error;
      }
    },
  };
}
