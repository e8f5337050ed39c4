// The job engine: pg-boss (decision 0004). It gives us what a governed run needs and that we
// must not build ourselves: jobs enqueued inside our own transaction, SKIP LOCKED fetching across
// any number of processes, heartbeats so a dead worker's job comes back, retries, and cron
// schedules that tick once across processes.
//
// Wake-up latency: pg-boss polls (measured here: p50 12 s from send to start with its default
// loop). Two nudges remove the wait: a local worker is woken directly after the enqueueing
// transaction commits (`wake`), and queues are created with `notify: true` so the insert emits a
// NOTIFY that pg-boss's listener turns into a fetch in other processes.
import { PgBoss } from "pg-boss";
import type { Log } from "../observe/logger.ts";
import { watchOutage } from "../store/connection-loss.ts";

export const ENGINE_SCHEMA = "pgboss";

/** Anything that runs parameterized SQL inside the caller's transaction. */
export interface SqlExecutor {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface QueueDefinition {
  name: string;
  /** Seconds without a heartbeat before a job is considered abandoned (≥ 10). */
  heartbeatSeconds: number;
  /** Upper bound on a job's active time. */
  expireInSeconds: number;
  retryLimit: number;
}

export interface EngineJob<T> {
  id: string;
  data: T;
  retryCount: number;
}

export interface WorkOptions {
  concurrency: number;
}

export interface Engine {
  /** Enqueue a job inside the caller's transaction; it exists only if that transaction commits. */
  enqueue(
    db: SqlExecutor,
    queue: string,
    data: object,
    options?: { singletonKey?: string },
  ): Promise<string | null>;
  /** Wake this process's workers on a queue now (call after the enqueueing commit). */
  wake(queue: string): void;
  work<T>(queue: string, options: WorkOptions, handler: (job: EngineJob<T>) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  boss: PgBoss;
}

export interface EngineOptions {
  url: string;
  log: Log;
  queues: QueueDefinition[];
  /** Maintenance and schedule loops; every process may run them, pg-boss coordinates. */
  supervise?: boolean;
  poolSize?: number;
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
    // A dead worker's heartbeat stops; the supervisor returns its job within ~2 intervals.
    superviseIntervalSeconds: 10,
    monitorIntervalSeconds: 10,
    useListenNotify: true,
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
  const workers = new Map<string, string[]>();
  const queues = new Map(options.queues.map((q) => [q.name, q]));

  return {
    boss,
    async enqueue(db, queue, data, sendOptions) {
      const definition = queues.get(queue);
      if (!definition) throw new Error(`unknown queue ${queue}`);
      return await boss.send(queue, data, {
        db: { executeSql: (text: string, values?: unknown[]) => db.query(text, values) },
        heartbeatSeconds: definition.heartbeatSeconds,
        expireInSeconds: definition.expireInSeconds,
        retryLimit: definition.retryLimit,
        ...(sendOptions?.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
      });
    },
    wake(queue) {
      for (const id of workers.get(queue) ?? []) boss.notifyWorker(id);
    },
    async work<T>(queue: string, workOptions: WorkOptions, handler: (job: EngineJob<T>) => Promise<void>) {
      const id = await boss.work<T>(
        queue,
        {
          localConcurrency: workOptions.concurrency,
          batchSize: 1,
          pollingIntervalSeconds: 2,
          notifyPollingIntervalSeconds: 5,
        },
        async ([job]) => {
          if (!job) return;
          await handler({
            id: job.id,
            data: job.data,
            retryCount: (job as { retryCount?: number }).retryCount ?? 0,
          });
        },
      );
      workers.set(queue, [...(workers.get(queue) ?? []), id]);
    },
    async stop() {
      if (probe) clearInterval(probe);
      probe = null;
      await boss.stop({ graceful: true, timeout: 15_000, close: true });
    },
  };
}
