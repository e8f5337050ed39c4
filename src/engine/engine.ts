// The job engine: pg-boss (decision 0004). It gives us what a governed run needs and that we
// must not build ourselves: jobs enqueued inside our own transaction, SKIP LOCKED fetching across
// any number of processes, heartbeats so a dead worker's job comes back, retries, and cron
// schedules that tick once across processes. This module is the only one that imports pg-boss:
// the rest of Airlock sees the `Engine` facade below, so the engine can be changed in one place.
//
// One tick across processes (pg-boss 12, `timekeeper.js`): every process with scheduling on runs
// a cron pass each `scheduleCheckSeconds`, but a pass first claims `version.cron_on` with a
// compare-and-set UPDATE, so one process per interval evaluates the schedules. A due occurrence is
// then filed on pg-boss's internal send-it queue under a singleton key (queue + schedule key) and
// a throttle slot of 60 s: a second pass that still finds the occurrence due, in this process or
// another, is dropped by that unique slot. Resolution is therefore one job per schedule per minute
// at most; an occurrence is due for 60 s after its time, and a job lands within roughly one check
// interval plus one send-it poll after it.
//
// Workers: one fetch loop per queue and process (dispatcher.ts) over pg-boss's claim, heartbeat
// and settle calls, rather than pg-boss's `work()` with one loop per slot, whose wake-ups fetched
// once per idle slot. Wake-up latency: the loop polls every few seconds; two nudges remove the
// wait: this process's loop is woken directly after the enqueueing transaction commits (`wake`),
// and queues are created with `notify: true` so the insert emits a NOTIFY that wakes the loops of
// the other processes (a listener of our own on pg-boss's channel).
import pg from "pg";
import { PgBoss } from "pg-boss";
import type { Log } from "../observe/logger.ts";
import { watchOutage } from "../store/connection-loss.ts";
import { listenForConnectionErrors } from "../store/database.ts";
import { type Dispatcher, startDispatcher } from "./dispatcher.ts";
import { type HeldSlot, heldSlot } from "./held-job.ts";
import { preparedDb } from "./prepared-statements.ts";

export const ENGINE_SCHEMA = "pgboss";

/** Anything that runs parameterized SQL inside the caller's transaction (a pg client or pool). */
export interface SqlExecutor {
  query(statement: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: unknown[] }>;
}

export interface QueueDefinition {
  name: string;
  /** Seconds without a heartbeat before a job is considered abandoned (≥ 10). */
  heartbeatSeconds: number;
  /** Upper bound on a job's active time. */
  expireInSeconds: number;
  retryLimit: number;
  /** Seconds before the first retry (default: at once); with `retryBackoff`, doubled each time. */
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** Upper bound of a backed-off delay. */
  retryDelayMaxSeconds?: number;
}

export interface EngineJob<T> {
  id: string;
  data: T;
  retryCount: number;
  /**
   * Settle the job inside the caller's transaction: it is removed if that commits (what the
   * caller's transaction committed is the record; a row kept as `completed` would be a second
   * write of every index of pg-boss's job table on the queued path). A handler that did, and whose
   * transaction committed, returns "completed"; otherwise the engine completes the job when the
   * handler returns.
   */
  complete(db: SqlExecutor): Promise<void>;
}

/**
 * What a job's handler returns: "completed" when it completed the job itself (`EngineJob.complete`);
 * anything else and the engine completes it.
 */
export type JobResult = unknown;

export interface WorkOptions {
  concurrency: number;
}

export interface Engine {
  /** Enqueue a job inside the caller's transaction; it exists only if that transaction commits. */
  enqueue(
    db: SqlExecutor,
    queue: string,
    data: object,
    options?: { singletonKey?: string; startAfterSeconds?: number },
  ): Promise<string | null>;
  /** Wake this process's workers on a queue now (call after the enqueueing commit). */
  wake(queue: string): void;
  /**
   * A free slot of this process's workers on `queue`, for a job this process sends and runs
   * itself (held-job.ts); null when every slot is taken or no worker runs here.
   */
  reserve(queue: string): HeldSlot | null;
  work<T>(
    queue: string,
    options: WorkOptions,
    handler: (job: EngineJob<T>) => Promise<JobResult>,
  ): Promise<void>;
  /**
   * Create or replace a recurring schedule: each occurrence of `cron` (5 fields, or 6 with seconds
   * first), read in `timeZone`, enqueues one job with `data` on `queue`, once across every process
   * on the database. One schedule per (queue, key).
   */
  schedule(queue: string, cron: string, options: ScheduleOptions): Promise<void>;
  unschedule(queue: string, key?: string): Promise<void>;
  /** The schedules stored in the database (all processes'), optionally of one queue. */
  schedules(queue?: string): Promise<EngineSchedule[]>;
  /** Cancel a job that has not finished; true when it was cancelled, false when it had already ended. */
  cancel(queue: string, jobId: string): Promise<boolean>;
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  /** IANA time zone the expression is read in (`Europe/Berlin`, `UTC`). */
  timeZone: string;
  data?: object;
  key?: string;
}

export interface EngineSchedule {
  queue: string;
  key: string;
  cron: string;
  timeZone: string;
  data: object | null;
}

export interface EngineOptions {
  url: string;
  log: Log;
  queues: QueueDefinition[];
  /** Maintenance and schedule loops; every process may run them, pg-boss coordinates. */
  supervise?: boolean;
  poolSize?: number;
  /** Seconds between cron passes (and send-it polls); pg-boss allows 1–45. Default 30. */
  scheduleCheckSeconds?: number;
}

/** A queue's retry delay and backoff, as pg-boss takes them (only the ones the definition sets). */
export function retrySettings(definition: QueueDefinition) {
  return {
    ...(definition.retryDelaySeconds !== undefined ? { retryDelay: definition.retryDelaySeconds } : {}),
    ...(definition.retryBackoff !== undefined ? { retryBackoff: definition.retryBackoff } : {}),
    ...(definition.retryDelayMaxSeconds !== undefined
      ? { retryDelayMax: definition.retryDelayMaxSeconds }
      : {}),
  };
}

const RUN_TIME_CONNECTION_OPTIONS = "-c role=airlock_app";

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const boss = new PgBoss({
    connectionString: options.url,
    schema: ENGINE_SCHEMA,
    // The schema is installed by `airlock migrate` as the owner (installEngineSchema); at run
    // time pg-boss works with the same restricted role as the rest of Airlock.
    migrate: false,
    options: RUN_TIME_CONNECTION_OPTIONS,
    max: options.poolSize ?? 10,
    application_name: "airlock-engine",
    supervise: options.supervise ?? true,
    schedule: options.supervise ?? true,
    ...(options.scheduleCheckSeconds
      ? {
          cronMonitorIntervalSeconds: options.scheduleCheckSeconds,
          cronWorkerIntervalSeconds: options.scheduleCheckSeconds,
        }
      : {}),
    // A dead worker's heartbeat stops; the supervisor returns its job within ~2 intervals.
    superviseIntervalSeconds: 10,
    monitorIntervalSeconds: 10,
    // pg-boss's own listener wakes only pg-boss's `work()` loops, which Airlock does not run: the
    // dispatchers are woken by `listenForJobs` below. Off, it costs no connection; the inserts
    // still NOTIFY, since that follows the queue's `notify`, not this option.
    useListenNotify: false,
    // With tracing on (observe/tracing.ts), a job carries its sender's trace context, so the worker
    // that runs it continues the request's trace; without it nothing is stored.
    openTelemetry: { propagateContext: true },
    reindex: false,
    persistWarnings: false,
  });
  // pg-boss reconnects by itself (its pool, its LISTEN connection, its loops retry); during a
  // database restart every loop reports each failed pass. Said once per outage instead, and the
  // end of it once a probe gets through.
  const outage = watchOutage(options.log, "job engine");
  let probe: NodeJS.Timeout | null = null;
  boss.on("error", (error) => {
    if (!outage.failed(error)) {
      options.log.error({ err: error }, "job engine error");
      return;
    }
    probe ??= setInterval(() => {
      const startedAt = Date.now();
      boss
        .getDb()
        .executeSql("SELECT 1")
        .then(() => {
          outage.succeeded(startedAt);
          if (probe) clearInterval(probe);
          probe = null;
        })
        .catch(() => {});
    }, 1_000).unref();
  });
  boss.on("warning", (warning) => options.log.warn({ warning: warning.message }, "job engine warning"));
  await boss.start();
  const dispatchers = new Map<string, Dispatcher[]>();
  const queues = new Map(options.queues.map((q) => [q.name, q]));
  const wakeAll = (queue?: string) => {
    for (const [name, list] of dispatchers) if (!queue || name === queue) for (const d of list) d.wake();
  };
  const listener = await listenForJobs(boss, options.log, wakeAll);
  // The workers' fetches go through a pool of ours, so that they are prepared statements
  // (prepared-statements.ts); its failures reach the engine's error handler above.
  const fetchPool = new pg.Pool({
    connectionString: options.url,
    options: RUN_TIME_CONNECTION_OPTIONS,
    application_name: "airlock-engine",
    max: 2,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  listenForConnectionErrors(fetchPool, (error) => boss.emit("error", error));
  const fetchDb = preparedDb(fetchPool);
  // Through the engine's error handler above: a database outage is reported once.
  const reportError = (error: unknown) =>
    boss.emit("error", error instanceof Error ? error : new Error(String(error)));
  const send = async (
    db: SqlExecutor,
    queue: string,
    data: object,
    sendOptions?: { singletonKey?: string; startAfterSeconds?: number },
  ) => {
    const definition = queues.get(queue);
    if (!definition) throw new Error(`unknown queue ${queue}`);
    return await boss.send(queue, data, {
      db: preparedDb(db),
      heartbeatSeconds: definition.heartbeatSeconds,
      expireInSeconds: definition.expireInSeconds,
      retryLimit: definition.retryLimit,
      ...retrySettings(definition),
      ...(sendOptions?.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
      ...(sendOptions?.startAfterSeconds ? { startAfter: sendOptions.startAfterSeconds } : {}),
    });
  };

  return {
    async enqueue(db, queue, data, sendOptions) {
      return await send(db, queue, data, sendOptions);
    },
    wake(queue) {
      wakeAll(queue);
    },
    reserve(queue) {
      const definition = queues.get(queue);
      const reservation = definition ? dispatchers.get(queue)?.[0]?.reserve() : null;
      if (!definition || !reservation) return null;
      return heldSlot(boss, definition, reservation, {
        schema: ENGINE_SCHEMA,
        send: (db, data, startAfterSeconds) => send(db, queue, data, { startAfterSeconds }),
        onError: reportError,
        onJobFailed: (error) => options.log.warn({ err: error, queue }, "job failed; the engine retries it"),
        wake: () => wakeAll(queue),
      });
    },
    async work<T>(
      queue: string,
      workOptions: WorkOptions,
      handler: (job: EngineJob<T>) => Promise<JobResult>,
    ) {
      const dispatcher = startDispatcher<T>(
        boss,
        queue,
        {
          schema: ENGINE_SCHEMA,
          fetchDb,
          concurrency: workOptions.concurrency,
          // Without a listener, other processes' jobs are found by this poll alone.
          pollSeconds: listener ? 5 : 2,
          onError: reportError,
          onJobFailed: (error) =>
            options.log.warn({ err: error, queue }, "job failed; the engine retries it"),
        },
        handler,
      );
      dispatchers.set(queue, [...(dispatchers.get(queue) ?? []), dispatcher]);
    },
    async schedule(queue, cron, scheduleOptions) {
      if (!queues.has(queue)) throw new Error(`unknown queue ${queue}`);
      await boss.schedule(queue, cron, scheduleOptions.data ?? null, {
        tz: scheduleOptions.timeZone,
        ...(scheduleOptions.key ? { key: scheduleOptions.key } : {}),
      });
    },
    async unschedule(queue, key) {
      await boss.unschedule(queue, key);
    },
    async schedules(queue) {
      const rows = await boss.getSchedules(queue);
      return rows.map((row) => ({
        queue: row.name,
        key: row.key,
        cron: row.cron,
        timeZone: row.timezone,
        data: row.data ?? null,
      }));
    },
    async cancel(queue, jobId) {
      // pg-boss 12 declares CommandResponse as an empty interface; at run time it carries
      // `affected`, the number of jobs the UPDATE moved to `cancelled` (0 for a finished job).
      const response = (await boss.cancel(queue, jobId)) as { affected?: number };
      return (response.affected ?? 0) > 0;
    },
    async stop() {
      if (probe) clearInterval(probe);
      probe = null;
      await listener?.close().catch(() => {});
      // In-flight jobs finish first (up to 15 s); one still running after that keeps its claim
      // until its heartbeat stops with the process, then pg-boss's supervisor retries it.
      await Promise.all([...dispatchers.values()].flat().map((d) => d.stop(15_000)));
      dispatchers.clear();
      await boss.stop({ graceful: true, timeout: 15_000, close: true });
      await fetchPool.end().catch(() => {});
    },
  };
}

/**
 * A LISTEN on pg-boss's NOTIFY channel (a connection of its own), waking the loop of the queue a
 * job landed on; on a reconnect, every loop (notifications may have been missed). Null when the
 * database gives no listener: the loops' polls alone find other processes' jobs then.
 */
async function listenForJobs(boss: PgBoss, log: Log, wake: (queue?: string) => void) {
  const db = boss.getDb();
  if (!db.listen) return null;
  try {
    // pg-boss's channel name (plans.notifyChannelSql): 'pgboss_' and 24 hex digits of the schema's
    // SHA-224, the same on every instance of the schema.
    const { rows } = await db.executeSql(
      "SELECT 'pgboss_' || left(encode(sha224(convert_to($1, 'UTF8')), 'hex'), 24) AS channel",
      [ENGINE_SCHEMA],
    );
    const channel = (rows[0] as { channel: string }).channel;
    return await db.listen(
      channel,
      (queue) => wake(queue),
      () => wake(),
    );
  } catch (error) {
    log.warn({ err: error }, "job engine: no LISTEN for job notifications; polling only");
    return null;
  }
}
