// The notifier: an event consumer that turns each notified event into notification rows, and the
// engine worker that delivers them.
//
// Two steps, so that no outage of a mail server or of Slack can block or fail a run or a decision:
// the event is committed with the change (events/), the consumer writes the rows and one engine
// job per row in one transaction (a repeat of the event writes nothing: unique per event, channel
// and address), and the job sends. A failed send records the attempt and its error on the row and
// throws, so the engine retries it with exponential backoff (NOTIFY_QUEUE); after the last retry
// the row is `failed`, still visible with its attempts and last error.
import type pg from "pg";
import type { Engine, EngineJob, QueueDefinition } from "../engine/engine.ts";
import { emitEvents } from "../events/event-emit.ts";
import type { EventOutbox } from "../events/event-outbox.ts";
import type { OutboxEvent } from "../events/event-types.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Log } from "../observe/logger.ts";
import { scrubText } from "../pii/mask.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { EmailSender } from "./email-sender.ts";
import { inAppRows } from "./in-app-notifications.ts";
import { renderHtml, renderText } from "./message-template.ts";
import { contentOf, type EventContent, NOTIFIED_EVENTS } from "./notification-content.ts";
import { wantedBy } from "./notification-preferences.ts";
import {
  getNotification,
  insertNotifications,
  markAttemptFailed,
  markDelivered,
  type NewNotification,
  type NotificationRow,
} from "./notification-store.ts";

export const NOTIFY_QUEUE = "airlock.notify";

// Backoff 2 s, 4 s, 8 s … capped at 10 min: eight retries span about 17 minutes, long enough for a
// relay restart, short enough that a reviewer still gets a fresh request.
export const NOTIFY_QUEUE_DEFINITION: QueueDefinition = {
  name: NOTIFY_QUEUE,
  heartbeatSeconds: 30,
  expireInSeconds: 120,
  retryLimit: 8,
  retryDelaySeconds: 2,
  retryBackoff: true,
  retryDelayMaxSeconds: 600,
};

/** A channel other than email (Slack, webhooks) plugs in here. */
export interface ChannelSender {
  /** The rows this channel adds for one event (content: what people are told; null if nobody). */
  rowsFor(event: OutboxEvent, content: EventContent | null): Promise<NewNotification[]> | NewNotification[];
  /** Send one row; what it returns is merged into the row's content (a Slack message's ts). */
  send(notification: NotificationRow): Promise<object | null>;
}

export interface NotifierOptions {
  pool: pg.Pool;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  engine: Engine;
  events: EventOutbox;
  log: Log;
  baseUrl: string;
  email: EmailSender | null;
  channels?: Partial<Record<"slack" | "webhook", ChannelSender>>;
  concurrency?: number;
}

export interface Notifier {
  stop(): Promise<void>;
}

export async function startNotifier(options: NotifierOptions): Promise<Notifier> {
  const { pool, engine, log } = options;
  const channels = options.channels ?? {};

  async function onEvent(event: OutboxEvent): Promise<void> {
    const content = await contentOf(
      { db: pool, workspace: options.workspace, authorizer: options.authorizer, baseUrl: options.baseUrl },
      event,
    );
    const rows: NewNotification[] = [];
    let inApp: NewNotification[] = [];
    if (content) {
      const ids = content.recipients.map((p) => p.id);
      const only = async (channel: "email" | "in_app") => {
        const wanted = await wantedBy(pool, ids, event.type, channel);
        return { ...content, recipients: content.recipients.filter((p) => wanted.has(p.id)) };
      };
      if (options.email) rows.push(...emailRows(event, await only("email")));
      inApp = inAppRows(event, await only("in_app"), options.baseUrl);
    }
    for (const channel of Object.values(channels)) rows.push(...(await channel.rowsFor(event, content)));
    if (rows.length === 0 && inApp.length === 0) return;
    const created = await inTransaction(pool, async (tx) => {
      const ids = await insertNotifications(tx, rows);
      for (const id of ids) await engine.enqueue(tx, NOTIFY_QUEUE, { notificationId: id });
      // In-app rows are delivered as written; the person's open consoles hear of each new one.
      for (const row of inApp)
        for (const id of await insertNotifications(tx, [row]))
          await emitEvents(tx, [
            { type: "notification.created", payload: { notificationId: id, recipientId: row.recipientId! } },
          ]);
      return ids;
    });
    if (created.length > 0) engine.wake(NOTIFY_QUEUE);
  }

  async function deliver(job: EngineJob<{ notificationId: string }>): Promise<void> {
    const notification = await getNotification(pool, job.data.notificationId);
    if (!notification || notification.status === "delivered") return;
    try {
      let facts: object | null = null;
      if (notification.channel === "email") {
        if (!options.email) throw new Error("email is not configured (AIRLOCK_SMTP_URL)");
        await options.email.send(notification);
      } else if (notification.channel !== "in_app") {
        const channel = channels[notification.channel];
        if (!channel) throw new Error(`${notification.channel} is not configured`);
        facts = await channel.send(notification);
      }
      await markDelivered(pool, notification.id, facts);
    } catch (error) {
      // SMTP answers quote the recipient; the row and the log keep the error with PII scrubbed.
      const message = scrubText(error instanceof Error ? error.message : String(error));
      const final = job.retryCount >= NOTIFY_QUEUE_DEFINITION.retryLimit;
      await markAttemptFailed(pool, notification.id, message, final);
      log.warn(
        {
          notificationId: notification.id,
          channel: notification.channel,
          attempt: job.retryCount + 1,
          final,
        },
        `notification not delivered: ${message}`,
      );
      throw new Error(message);
    } finally {
      // Fetch the next notification at once rather than after the engine's poll interval: an
      // approval fans out to every reviewer, and measured here four emails took 5 s without this.
      engine.wake(NOTIFY_QUEUE);
    }
  }

  // run.finished is for webhooks; people are told of failures only (run.failed).
  const off = options.events.consume(
    { name: "notify", types: [...NOTIFIED_EVENTS, "run.finished"] },
    onEvent,
  );
  await engine.work(NOTIFY_QUEUE, { concurrency: options.concurrency ?? 2 }, deliver);
  return {
    async stop() {
      off();
      options.email?.close();
    },
  };
}

function emailRows(event: OutboxEvent, content: EventContent): NewNotification[] {
  return content.recipients
    .filter((person) => person.email)
    .map((person) => ({
      eventId: event.id,
      eventType: event.type,
      channel: "email" as const,
      recipientId: person.id,
      address: person.email!,
      subject: content.parts.subject,
      text: renderText(content.parts),
      html: renderHtml(content.parts),
      content: null,
      approvalRequestId: content.approvalRequestId,
      runId: content.runId,
    }));
}
