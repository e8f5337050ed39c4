// Delivers committed events to consumers, at least once, in order, each consumer from its own
// cursor (airlock.event_consumers: consumer → the last event it was given).
//
// A consumer is a name and the event types it wants (a notifier, a webhook sender, a wake-up);
// `on(type, fn)` is the short form for a consumer named after its one type. Any number of
// processes may register the same consumer: one of them at a time delivers its events (a
// transaction-level advisory lock on the name), and a process only delivers for the consumers it
// has handlers for, so a worker without a notifier never moves the notifier's cursor.
//
// Order and completeness: events are read in (xid, id) order and only from transactions older
// than every write transaction still running in this database (see `horizonSql`), so no event can
// later commit behind a cursor. The cursor moves after the handlers return: a crash in between
// gives the same events again, so handlers must tolerate a repeat (key the effect by event id).
// A handler that throws stops its consumer at that event and retries it after a backoff, up to
// MAX_ATTEMPTS, then skips it with an error in the log. Events are pruned after a week
// (`pruneEvents`, run by the maintenance sweep).
import type pg from "pg";
import type { Log } from "../observe/logger.ts";
import type { EventPayloads, EventType, OutboxEvent } from "./event-types.ts";

export type Subscriber<T extends EventType> = (event: OutboxEvent<T>) => Promise<void> | void;

export interface ConsumerSpec {
  /** Stable across processes and restarts: the cursor is stored under it. */
  name: string;
  types: readonly EventType[];
}

export interface EventOutbox {
  /** Subscribe to one event type (the consumer named after the type). Returns an unsubscribe function. */
  on<T extends EventType>(type: T, subscriber: Subscriber<T>): () => void;
  /** Subscribe a named consumer to several types. Returns an unsubscribe function. */
  consume(consumer: ConsumerSpec, handler: Subscriber<EventType>): () => void;
  /** Deliver every event committed before this call (waiting briefly for older writes to end). */
  drain(): Promise<number>;
  /** Ask for a delivery soon, without waiting for it. */
  nudge(): void;
  stop(): Promise<void>;
}

export const MAX_ATTEMPTS = 10;
const BATCH = 100;
const HANDLER_TIMEOUT_MS = 10_000;
// drain() waits this long at most for write transactions that were running when it was called.
const DRAIN_WAIT_MS = 5_000;
// Any constant: the advisory lock namespace of event consumers.
const CONSUMER_LOCK = 7_240_912;

// Every transaction below the result has ended or runs in another database (a backend never
// writes outside its own), so events below it are final. The cluster-wide xmin would let a long
// write in any other database stall delivery here; the sealer measured exactly that
// (audit/sealer.ts) and this is its bound.
export const horizonSql = `SELECT coalesce(
    (SELECT min(x) FROM pg_snapshot_xip(s) AS x
      WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                         WHERE a.backend_xid = x::xid AND a.datname IS DISTINCT FROM current_database())
        AND NOT EXISTS (SELECT 1 FROM pg_prepared_xacts p
                         WHERE p.transaction = x::xid AND p.database <> current_database())),
    pg_snapshot_xmax(s))::text AS horizon, pg_snapshot_xmax(s)::text AS xmax
  FROM pg_current_snapshot() AS s`;

interface Consumer {
  spec: ConsumerSpec;
  handlers: Set<Subscriber<EventType>>;
  registered: boolean;
}

export function createEventOutbox(options: { pool: pg.Pool; log: Log; pollMs: number }): EventOutbox {
  const { pool, log } = options;
  const consumers = new Map<string, Consumer>();
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let nudged = false;

  function subscribe(spec: ConsumerSpec, handler: Subscriber<EventType>): () => void {
    let consumer = consumers.get(spec.name);
    if (!consumer) {
      consumer = {
        spec: { name: spec.name, types: [...spec.types] },
        handlers: new Set(),
        registered: false,
      };
      consumers.set(spec.name, consumer);
    } else if ([...spec.types].sort().join() !== [...consumer.spec.types].sort().join()) {
      throw new Error(`event consumer ${spec.name} is already registered with other types`);
    }
    consumer.handlers.add(handler);
    const own = consumer;
    return () => {
      own.handlers.delete(handler);
    };
  }

  /** Deliver one batch to one consumer. Returns how many events it handed over. */
  async function deliverBatch(consumer: Consumer): Promise<number> {
    if (!consumer.registered) {
      await pool.query("INSERT INTO airlock.event_consumers (name) VALUES ($1) ON CONFLICT DO NOTHING", [
        consumer.spec.name,
      ]);
      consumer.registered = true;
    }
    const client = await pool.connect();
    let broken = false;
    // The connection may die while a handler runs (no query in flight): without a listener its
    // error would be thrown at the process. The next query fails instead, and we roll back.
    const onError = () => {
      broken = true;
    };
    client.on("error", onError);
    try {
      // The horizon first, before this transaction has an xid of its own. Nothing below writes
      // until the cursor moves at the end, so delivering does not hold anyone else's horizon back.
      await client.query("BEGIN");
      const { horizon } = (await client.query<{ horizon: string }>(horizonSql)).rows[0]!;
      const lock = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok",
        [CONSUMER_LOCK, consumer.spec.name],
      );
      const cursor = lock.rows[0]!.ok
        ? (
            await client.query<{ last_xid: string; last_event_id: string; attempts: number }>(
              `SELECT last_xid::text, last_event_id::text, attempts FROM airlock.event_consumers
                WHERE name = $1 AND retry_at <= now()`,
              [consumer.spec.name],
            )
          ).rows[0]
        : undefined;
      if (!cursor) {
        await client.query("ROLLBACK");
        return 0;
      }
      // Uses event_outbox_order_idx (xid, id).
      const due = await client.query<{
        id: string;
        xid: string;
        type: EventType;
        payload: EventPayloads[EventType];
        created_at: Date;
      }>(
        `SELECT id::text, xid::text, type, payload, created_at FROM airlock.event_outbox
          WHERE (xid, id) > ($1::xid8, $2::bigint) AND xid < $3::xid8 AND type = ANY($4::text[])
          ORDER BY xid, id LIMIT ${BATCH}`,
        [cursor.last_xid, cursor.last_event_id, horizon, consumer.spec.types],
      );
      let at = { xid: cursor.last_xid, id: cursor.last_event_id };
      let delivered = 0;
      let failure: { error: string; attempts: number } | null = null;
      for (const row of due.rows) {
        const attempts = delivered === 0 ? cursor.attempts + 1 : 1;
        const event: OutboxEvent = {
          id: row.id,
          type: row.type,
          payload: row.payload,
          createdAt: row.created_at,
          attempts,
        };
        const error = await handOver(consumer, event);
        if (error !== null && attempts < MAX_ATTEMPTS) {
          failure = { error, attempts };
          break;
        }
        if (error !== null)
          log.error(
            { consumer: consumer.spec.name, eventId: row.id, type: row.type, attempts },
            "event consumer gave up on an event after repeated failures; skipped",
          );
        at = { xid: row.xid, id: row.id };
        delivered++;
      }
      if (failure) {
        await client.query(
          `UPDATE airlock.event_consumers SET last_xid = $2::xid8, last_event_id = $3::bigint,
                  attempts = $4, last_error = $5, updated_at = now(),
                  retry_at = now() + make_interval(secs => least(3600, 5 * power(2, $4 - 1)))
            WHERE name = $1`,
          [consumer.spec.name, at.xid, at.id, failure.attempts, failure.error.slice(0, 500)],
        );
      } else if (delivered > 0) {
        await client.query(
          `UPDATE airlock.event_consumers SET last_xid = $2::xid8, last_event_id = $3::bigint,
                  attempts = 0, last_error = NULL, updated_at = now()
            WHERE name = $1`,
          [consumer.spec.name, at.xid, at.id],
        );
      }
      await client.query("COMMIT");
      return failure ? 0 : delivered;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  /** Every handler of the consumer gets the event; the first failure (or timeout) is returned. */
  async function handOver(consumer: Consumer, event: OutboxEvent): Promise<string | null> {
    for (const handler of consumer.handlers) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => handler(event)),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("event handler timed out")), HANDLER_TIMEOUT_MS);
          }),
        ]);
      } catch (error) {
        log.warn(
          { err: error, consumer: consumer.spec.name, eventId: event.id, type: event.type },
          "event handler failed",
        );
        return error instanceof Error ? error.message : String(error);
      } finally {
        clearTimeout(timer);
      }
    }
    return null;
  }

  async function deliverAll(): Promise<number> {
    let total = 0;
    for (const consumer of consumers.values()) {
      if (stopped || consumer.handlers.size === 0) continue;
      for (;;) {
        const n = await deliverBatch(consumer);
        total += n;
        if (n < BATCH) break;
      }
    }
    return total;
  }

  /** Wait until every write transaction running at the call has ended (bounded). */
  async function settle(): Promise<void> {
    const { xmax } = (await pool.query<{ xmax: string }>(horizonSql)).rows[0]!;
    const deadline = Date.now() + DRAIN_WAIT_MS;
    for (;;) {
      const { horizon } = (await pool.query<{ horizon: string }>(horizonSql)).rows[0]!;
      if (BigInt(horizon) >= BigInt(xmax) || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  function run(task: () => Promise<number>): Promise<number> {
    const next = chain.then(task);
    chain = next.catch((error) => log.warn({ err: error }, "event delivery failed"));
    return next;
  }

  const timer =
    options.pollMs > 0
      ? setInterval(() => {
          run(deliverAll).catch(() => {});
        }, options.pollMs)
      : null;
  timer?.unref();

  return {
    on(type, subscriber) {
      return subscribe({ name: type, types: [type] }, subscriber as Subscriber<EventType>);
    },
    consume: subscribe,
    drain() {
      return run(async () => {
        if (stopped || [...consumers.values()].every((c) => c.handlers.size === 0)) return 0;
        await settle();
        return await deliverAll();
      });
    },
    nudge() {
      if (nudged || stopped) return;
      nudged = true;
      setImmediate(() => {
        nudged = false;
        run(deliverAll).catch(() => {});
      });
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await chain;
    },
  };
}

/** Delete events older than `keepDays` (consumers further behind than that lose them: logged). */
export async function pruneEvents(db: Pick<pg.ClientBase, "query">, keepDays: number): Promise<number> {
  const result = await db.query(
    "DELETE FROM airlock.event_outbox WHERE created_at < now() - make_interval(days => $1)",
    [keepDays],
  );
  return result.rowCount ?? 0;
}
