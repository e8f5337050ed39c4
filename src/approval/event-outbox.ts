// Internal events for notifications, delivered after commit: `approval.requested`,
// `approval.decided` and `run.failed`. Database triggers write them to `airlock.event_outbox` in
// the transaction that makes the change (migrations/0010_event_outbox.sql), so an event exists
// if and only if its change committed, on every path that makes it.
//
// This dispatcher reads committed events and calls the subscribers registered in this process
// (`on`). Any number of processes may run it: each event is claimed by one of them
// (FOR UPDATE SKIP LOCKED), and a process only claims the types it has subscribers for, so a
// worker without a notifier never swallows an event meant for the notifier of a server. Events
// nobody subscribes to are pruned after a week by the expiry sweeper (approval-expiry.ts). A subscriber that throws makes the event come back later, with
// backoff, up to MAX_ATTEMPTS: delivery is at least once, so subscribers must tolerate a repeat
// (e.g. key a Slack message by the event id). Payloads hold ids only; a subscriber loads what it
// shows through the same masking rules as the API.
import type pg from "pg";
import type { Log } from "../observe/logger.ts";

export const EVENT_TYPES = ["approval.requested", "approval.decided", "run.failed"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventPayloads {
  "approval.requested": {
    approvalRequestId: string;
    runId: string;
    action: string;
    requesterId: string;
    policies: { name: string; reviewers: { groups: string[]; users: string[] }; quorum: number }[];
    expiresAt: string;
    requestId: string;
  };
  "approval.decided": {
    approvalRequestId: string;
    runId: string;
    action: string;
    requesterId: string;
    status: "approved" | "rejected" | "cancelled" | "expired";
    executionRequestId: string | null;
    requestId: string;
  };
  "run.failed": {
    runId: string;
    action: string;
    actorId: string;
    errorCode: string | null;
    requestId: string;
    executionRequestId: string | null;
    approvalRequestId: string | null;
  };
}

export interface OutboxEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  payload: EventPayloads[T];
  createdAt: Date;
  attempts: number;
}

export type Subscriber<T extends EventType> = (event: OutboxEvent<T>) => Promise<void> | void;

export interface EventOutbox {
  /** Subscribe to one event type in this process. Returns an unsubscribe function. */
  on<T extends EventType>(type: T, subscriber: Subscriber<T>): () => void;
  /** Deliver what is due now (called after local commits, on a timer, and by tests). */
  drain(): Promise<number>;
  /** Ask for a drain soon, without waiting for it. */
  nudge(): void;
  stop(): Promise<void>;
}

const MAX_ATTEMPTS = 10;
const BATCH = 100;
const SUBSCRIBER_TIMEOUT_MS = 10_000;

export function createEventOutbox(options: { pool: pg.Pool; log: Log; pollMs: number }): EventOutbox {
  const { pool, log } = options;
  const subscribers = new Map<EventType, Set<Subscriber<EventType>>>();
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let nudged = false;

  async function drainOnce(): Promise<number> {
    const types = [...subscribers].filter(([, set]) => set.size > 0).map(([type]) => type);
    if (stopped || types.length === 0) return 0;
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      // Uses event_outbox_due_idx. The rows stay locked while subscribers run, so no other
      // process delivers them at the same time; subscribers are bounded by a timeout.
      const due = await client.query<{
        id: string;
        type: EventType;
        payload: EventPayloads[EventType];
        created_at: Date;
        attempts: number;
      }>(
        `SELECT id, type, payload, created_at, attempts FROM airlock.event_outbox
          WHERE delivered_at IS NULL AND available_at <= now() AND attempts < ${MAX_ATTEMPTS}
            AND type = ANY($1::text[])
          ORDER BY available_at, id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        [types],
      );
      for (const row of due.rows) {
        const event: OutboxEvent = {
          id: String(row.id),
          type: row.type,
          payload: row.payload,
          createdAt: row.created_at,
          attempts: row.attempts + 1,
        };
        const failure = await deliver(event);
        if (failure === null) {
          await client.query(
            "UPDATE airlock.event_outbox SET delivered_at = now(), attempts = attempts + 1 WHERE id = $1",
            [row.id],
          );
        } else {
          await client.query(
            `UPDATE airlock.event_outbox SET attempts = attempts + 1, last_error = $2,
                    available_at = now() + make_interval(secs => least(3600, 5 * power(2, attempts)))
              WHERE id = $1`,
            [row.id, failure.slice(0, 500)],
          );
        }
      }
      await client.query("COMMIT");
      return due.rows.length;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async function deliver(event: OutboxEvent): Promise<string | null> {
    for (const subscriber of subscribers.get(event.type) ?? []) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => subscriber(event)),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("subscriber timed out")), SUBSCRIBER_TIMEOUT_MS);
          }),
        ]);
      } catch (error) {
        log.warn({ err: error, eventId: event.id, type: event.type }, "event subscriber failed");
        return error instanceof Error ? error.message : String(error);
      } finally {
        clearTimeout(timer);
      }
    }
    return null;
  }

  function drain(): Promise<number> {
    const next = chain.then(() => drainOnce());
    chain = next.catch((error) => log.warn({ err: error }, "event outbox drain failed"));
    return next;
  }

  const timer =
    options.pollMs > 0
      ? setInterval(() => {
          drain().catch(() => {});
        }, options.pollMs)
      : null;
  timer?.unref();

  return {
    on(type, subscriber) {
      const set = subscribers.get(type) ?? new Set<Subscriber<EventType>>();
      subscribers.set(type, set);
      set.add(subscriber as Subscriber<EventType>);
      return () => {
        set.delete(subscriber as Subscriber<EventType>);
      };
    },
    drain,
    nudge() {
      if (nudged || stopped) return;
      nudged = true;
      setImmediate(() => {
        nudged = false;
        drain().catch(() => {});
      });
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await chain;
    },
  };
}
