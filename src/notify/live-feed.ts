// Live updates for the web UI (Server-Sent Events): committed events, filtered per viewer by the
// same rules as the API, sent as ids and statuses only — a page that wants more asks the API.
//
// One poller per process while anyone listens: every POLL_MS it reads the events committed after
// its position (events/event-feed.ts) and hands each to every subscriber who may see it. A viewer
// who reconnects with Last-Event-ID first gets what they missed (at most REPLAY_MAX events), then
// the live ones. Polling, not LISTEN: the outbox is written on every run's final write, and a
// NOTIFY there would cost every action; a 200 ms read of an index is cheap and only runs while
// someone listens.
import type pg from "pg";
import { maySeeRequest } from "../approval/decision-rules.ts";
import { type FeedPosition, feedHead, formatPosition, readEvents } from "../events/event-feed.ts";
import type { OutboxEvent } from "../events/event-types.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { Log } from "../observe/logger.ts";
import { runbookEventSummary, runbookEventVisible } from "../runbooks/runbook-live.ts";
import { canSeeRunOf } from "../runs/run-access.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";

const POLL_MS = 200;
const BATCH = 200;
const REPLAY_MAX = 1_000;

export interface LiveEvent {
  /** The position, for Last-Event-ID. */
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface Subscriber {
  principal: Principal;
  send(event: LiveEvent): void;
  /** End the stream: this feed stops (its process is being retired or closed). */
  end(): void;
}

export interface LiveFeed {
  /**
   * Start sending to `subscriber` the events committed from now on (or after `after`, when
   * reconnecting). Resolves once its position is taken, with that position (what the stream's
   * first message carries as its id, so a reconnect resumes from there even before any event)
   * and the unsubscribe.
   */
  subscribe(
    subscriber: Subscriber,
    after: FeedPosition | null,
  ): Promise<{ position: FeedPosition; off: () => void }>;
  /**
   * End every stream now (an instance being retired by `airlock dev`): their browsers reconnect
   * with Last-Event-ID at once, to whichever instance serves then. New subscribers are still taken.
   */
  endAll(): void;
  /** Ends every stream and stops reading. */
  stop(): Promise<void>;
}

interface Entry {
  subscriber: Subscriber;
  /** Events at or before this were handled for this subscriber. */
  cursor: FeedPosition;
}

export function createLiveFeed(options: {
  pool: pg.Pool;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  log: Log;
}): LiveFeed {
  const { pool, log } = options;
  const entries = new Set<Entry>();
  let head: FeedPosition | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  async function visible(principal: Principal, event: OutboxEvent): Promise<boolean> {
    // An in-app notification: its recipient only.
    if (event.type === "notification.created")
      return (event.payload as { recipientId?: string }).recipientId === principal.id;
    const ofRunbook = await runbookEventVisible(options, principal, event);
    if (ofRunbook !== null) return ofRunbook;
    const p = event.payload as { requesterId?: string; actorId?: string; action?: string };
    if (!p.action) return false;
    if (event.type === "approval.requested" || event.type === "approval.decided")
      return await maySeeRequest(options.authorizer, options.workspace, principal, {
        requester_id: p.requesterId ?? "",
        action: p.action,
      });
    if (event.type === "run.finished" || event.type === "run.failed")
      return await canSeeRunOf(options.authorizer, options.workspace, principal, {
        actor_id: p.actorId ?? "",
        action: p.action,
      });
    // A batch: its starter, and whoever may oversee the action's runs (its items).
    if (event.type === "bulk.progress")
      return await canSeeRunOf(options.authorizer, options.workspace, principal, {
        actor_id: (p as { requesterId?: string }).requesterId ?? "",
        action: p.action,
      });
    // Other kinds (runbooks) are sent once their part says who may see them.
    return false;
  }

  async function deliver(entry: Entry, event: OutboxEvent, position: FeedPosition): Promise<void> {
    if (!after(position, entry.cursor)) return;
    entry.cursor = position;
    if (!(await visible(entry.subscriber.principal, event))) return;
    entry.subscriber.send({ id: formatPosition(position), type: event.type, data: eventSummary(event) });
  }

  async function tick(): Promise<void> {
    if (entries.size === 0) {
      head = null;
      return;
    }
    // The viewers of this pass. One who subscribes while it runs joins at the next pass, from its
    // own cursor: handed the rest of a batch already under way, its cursor would move past the
    // events of that batch it had not been given yet, and they would never reach it.
    const viewers = [...entries];
    // The poller starts where the earliest viewer is.
    head ??= viewers.map((e) => e.cursor).reduce((a, b) => (after(a, b) ? b : a));
    // Viewers behind the poller (new ones, and those reconnected with Last-Event-ID) first catch up to it.
    for (const entry of viewers) {
      if (!after(head, entry.cursor)) continue;
      let sent = 0;
      while (after(head, entry.cursor) && sent < REPLAY_MAX) {
        const batch = await readEvents(pool, entry.cursor, BATCH);
        const upToHead = batch.filter((b) => !after(b.position, head!));
        for (const { event, position } of upToHead) await deliver(entry, event, position);
        sent += upToHead.length;
        if (upToHead.length < BATCH) break;
      }
      entry.cursor = head;
    }
    for (;;) {
      const batch = await readEvents(pool, head, BATCH);
      for (const { event, position } of batch) {
        for (const entry of viewers) if (entries.has(entry)) await deliver(entry, event, position);
        head = position;
      }
      if (batch.length < BATCH) break;
    }
  }

  function schedule(): void {
    if (timer || stopped) return;
    timer = setInterval(() => {
      if (entries.size === 0) {
        if (timer) clearInterval(timer);
        timer = null;
        head = null;
        return;
      }
      running = running
        .then(tick)
        .catch((error) => log.warn({ err: error }, "live updates: reading events failed"));
    }, POLL_MS);
    timer.unref();
  }

  return {
    async subscribe(subscriber, from) {
      const entry: Entry = { subscriber, cursor: from ?? (await feedHead(pool)) };
      entries.add(entry);
      schedule();
      return {
        position: entry.cursor,
        off: () => {
          entries.delete(entry);
        },
      };
    },
    endAll() {
      for (const entry of entries) entry.subscriber.end();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      for (const entry of entries) entry.subscriber.end();
      entries.clear();
      await running;
    },
  };
}

function after(a: FeedPosition, b: FeedPosition): boolean {
  const ax = BigInt(a.xid);
  const bx = BigInt(b.xid);
  return ax > bx || (ax === bx && BigInt(a.id) > BigInt(b.id));
}

/** Ids and statuses only: what a page (or a webhook receiver) needs to know that something changed. */
export function eventSummary(event: OutboxEvent): Record<string, unknown> {
  const p = event.payload as Record<string, unknown>;
  const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => k in p).map((k) => [k, p[k]]));
  switch (event.type) {
    case "approval.requested":
      return pick("approvalRequestId", "runId", "action");
    case "approval.decided":
      return pick("approvalRequestId", "runId", "action", "status");
    case "run.finished":
      return pick("runId", "action", "status", "approvalRequestId");
    case "run.failed":
      return pick("runId", "action", "approvalRequestId");
    case "bulk.progress":
      return pick("batchId", "action", "status", "done", "failed", "total");
    case "notification.created":
      return pick("notificationId");
    default:
      return runbookEventSummary(event) ?? {};
  }
}
