// Wake-ups across processes: a transaction that changes something a waiter in any process is
// waiting for sends `pg_notify(channel, key)`; PostgreSQL delivers it at that transaction's commit
// (never before, never for a rollback) to every connection that LISTENs on the channel. One
// connection per listener, of its own: a pooled one would be handed out mid-LISTEN.
//
// A notification is a hint, never the truth: whoever waits reads the truth (a row) after waking,
// and waits with a bound, so a notification missed while the connection was down costs at most
// that bound. On every (re)connection all waiters are woken to read again, as notifications sent
// while no connection listened are lost.
import pg from "pg";
import { type OutageLogger, watchOutage } from "./connection-loss.ts";
import { appConnectionOptions } from "./database.ts";

/** A wait registered before its waiter reads the truth, so that no notification falls between. */
export interface Wait {
  /** Resolves when the key is notified, on a (re)connection, or after the bound: never rejects. */
  readonly woken: Promise<void>;
  /** The waiter no longer needs it (it found what it waited for). */
  cancel(): void;
}

export interface WakeListener {
  /** A wait for `key`, bounded by `ms`. */
  wait(key: string, ms: number): Wait;
  /**
   * Stops listening. Waits still pending are dropped, not woken: their waiters stop where they
   * are, as they would in a process that ended (and another process resumes their work).
   */
  close(): Promise<void>;
}

const RECONNECT_MS = 1_000;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** The statement that wakes `channel`'s waiters for the key `$1`, at its transaction's commit. */
export function wakeSql(channel: string): string {
  if (!CHANNEL.test(channel)) throw new Error(`invalid LISTEN channel ${channel}`);
  return `SELECT pg_notify('${channel}', $1)`;
}

export function listenForWakes(options: { url: string; channel: string; log: OutageLogger }): WakeListener {
  const { channel } = options;
  if (!CHANNEL.test(channel)) throw new Error(`invalid LISTEN channel ${channel}`);
  /** The waits pending, by key: each is woken (resolved) or dropped (its timer cleared). */
  const waiting = new Map<string, Set<{ wake(): void; drop(): void }>>();
  const outage = watchOutage(options.log, "wake-up listener");
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let closed = false;

  const wakeKey = (key: string) => {
    for (const each of waiting.get(key) ?? []) each.wake();
  };
  const wakeAll = () => {
    for (const key of [...waiting.keys()]) wakeKey(key);
  };

  function connectSoon(): void {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, RECONNECT_MS);
    retry.unref();
  }

  async function connect(): Promise<void> {
    const next = new pg.Client({
      connectionString: options.url,
      application_name: "airlock-wake",
      options: appConnectionOptions(),
      connectionTimeoutMillis: 10_000,
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (client === next) client = null;
      if (error && !outage.failed(error)) options.log.warn({ err: error }, "wake-up listener failed");
      next.end().catch(() => {});
      connectSoon();
    };
    next.on("error", onLost);
    next.on("end", () => onLost());
    next.on("notification", (message) => {
      if (message.channel === channel && message.payload !== undefined) wakeKey(message.payload);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    outage.succeeded();
    // Whatever was notified while nobody listened is lost: every waiter reads again.
    wakeAll();
  }

  void connect();

  return {
    wait(key, ms) {
      let resolve!: () => void;
      const woken = new Promise<void>((r) => {
        resolve = r;
      });
      if (closed) return { woken, cancel: () => {} };
      const set = waiting.get(key) ?? new Set();
      waiting.set(key, set);
      const entry = {
        wake() {
          entry.drop();
          resolve();
        },
        drop() {
          clearTimeout(timer);
          set.delete(entry);
          if (set.size === 0 && waiting.get(key) === set) waiting.delete(key);
        },
      };
      const timer = setTimeout(entry.wake, Math.max(0, ms));
      set.add(entry);
      return { woken, cancel: entry.drop };
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      retry = null;
      // Dropped, not woken (see the interface); their timers must not hold the process open.
      for (const set of [...waiting.values()]) for (const each of [...set]) each.drop();
      waiting.clear();
      const last = client;
      client = null;
      await last?.end().catch(() => {});
    },
  };
}
