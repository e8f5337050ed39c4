// A job sent by the process that will run it, in a slot of that process's workers reserved
// before the job existed. It is sent held: its start is deferred by a lease (the queue's
// heartbeat), so no fetch, here or in another process, takes it while this process runs it, and
// its insert wakes no one. While the handler runs, the lease is pushed forward at half its length
// with pg-boss's own in-place update (which touches only a job not yet active). The handler
// removes the job in its own transaction, as a fetched job's does.
//
// What the lease stands in for is pg-boss's claim and heartbeat: if the process dies, the lease
// lapses within one heartbeat and the job is fetched and delivered like any other, to a worker
// that finds the run as the dead one left it (control/executor.ts). A handler that throws, or
// one past the queue's expiry, lets the job go at once, as pg-boss fails such a job and retries it.
// Saved per job: the claim (an UPDATE of every index of the job table), its fetch and NOTIFY.
import type { PgBoss } from "pg-boss";
import { inConsumerSpan, tracingOn } from "../observe/tracing.ts";
import type { Reservation } from "./dispatcher.ts";
import type { EngineJob, JobResult, QueueDefinition, SqlExecutor } from "./engine.ts";
import { preparedDb } from "./prepared-statements.ts";

export interface HeldSlot {
  /** Enqueue the job inside the caller's transaction, held for this process; its id. */
  enqueue(db: SqlExecutor, data: object): Promise<string | null>;
  /** What the last `enqueue` sent (it exists only if that transaction committed). */
  readonly sent: { id: string; data: object } | null;
  /** After the enqueueing commit: run the job sent, here, in the reserved slot. */
  run<T>(handler: (job: EngineJob<T>) => Promise<JobResult>): void;
  /** The slot is not needed (nothing was sent, or it did not commit). */
  release(): void;
}

export function heldSlot(
  boss: PgBoss,
  definition: QueueDefinition,
  reservation: Reservation,
  options: {
    /** pg-boss's schema (where its job table is). */
    schema: string;
    send: (db: SqlExecutor, data: object, startAfterSeconds: number) => Promise<string | null>;
    onError: (error: unknown) => void;
    onJobFailed: (error: unknown) => void;
    /** Wakes the queue's fetch loops (a job let go is theirs now). */
    wake: () => void;
  },
): HeldSlot {
  const queue = definition.name;
  const leaseSeconds = definition.heartbeatSeconds;
  let sent: { id: string; data: object } | null = null;

  // Moves the job's start to `seconds` from now; false when it is no longer waiting (taken).
  const defer = async (id: string, seconds: number) => {
    const response = await boss.update(queue, undefined, { id, startAfter: seconds });
    return response.updated > 0;
  };

  async function traceCarrier(id: string): Promise<Record<string, string> | null> {
    try {
      const { rows } = await boss
        .getDb()
        .executeSql(`SELECT trace_context FROM ${options.schema}.job WHERE name = $1 AND id = $2`, [
          queue,
          id,
        ]);
      return ((rows[0] as { trace_context?: Record<string, string> | null } | undefined)?.trace_context ??
        null) as Record<string, string> | null;
    } catch (error) {
      options.onError(error);
      return null;
    }
  }

  async function execute<T>(
    job: { id: string; data: object },
    handler: (job: EngineJob<T>) => Promise<JobResult>,
  ) {
    const startedAt = Date.now();
    let renewing = true;
    const renew = setInterval(
      () => {
        if (Date.now() - startedAt >= definition.expireInSeconds * 1000) {
          // Past its expiry the lease is left to lapse: the job goes to a worker, as pg-boss
          // fails an expired job and retries it.
          renewing = false;
          clearInterval(renew);
          return;
        }
        void defer(job.id, leaseSeconds).then((held) => {
          if (!held) {
            renewing = false;
            clearInterval(renew);
          }
        }, options.onError);
      },
      (leaseSeconds * 1000) / 2,
    );
    renew.unref();
    try {
      const result = await handler({
        id: job.id,
        data: job.data as T,
        retryCount: 0,
        complete: async (db) => {
          await boss.deleteJob(queue, job.id, { db: preparedDb(db) });
        },
      });
      clearInterval(renew);
      if (result !== "completed" && renewing) await boss.deleteJob(queue, job.id);
    } catch (error) {
      clearInterval(renew);
      // Given to the workers now, as a failed job is retried.
      if (renewing) await defer(job.id, 0).then(options.wake, options.onError);
      options.onJobFailed(error);
    }
  }

  return {
    async enqueue(db, data) {
      const id = await options.send(db, data, leaseSeconds);
      sent = id ? { id, data } : null;
      return id;
    },
    get sent() {
      return sent;
    },
    run(handler) {
      const job = sent;
      if (!job) throw new Error("no job was sent in this slot");
      reservation.start(async () => {
        // With tracing on, the run continues the trace its send stored with the job, as a fetched
        // job's does (dispatcher.ts).
        const carrier = tracingOn() ? await traceCarrier(job.id) : null;
        await inConsumerSpan(
          `process ${queue}`,
          carrier,
          {
            "messaging.system": "pg-boss",
            "messaging.destination.name": queue,
            "messaging.message.id": job.id,
          },
          () => execute(job, handler),
        );
      });
    },
    release() {
      reservation.release();
    },
  };
}
