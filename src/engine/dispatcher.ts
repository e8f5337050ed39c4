// One fetch loop per queue and process, over pg-boss's own claim, heartbeat and settle calls.
//
// pg-boss's `work()` runs `localConcurrency` independent loops, each fetching one job. A job's
// NOTIFY wakes every idle loop of every process, so with 16 local workers one queued run cost 17
// fetches, 16 of them empty (bench/queued-statements.ts), on a 2-core machine the largest cost of
// a queued run. Here one loop holds the process's slots: it fetches as many jobs as it has free
// slots, in one statement, when woken (`wake` after an enqueueing commit in this process, a NOTIFY
// from another process, a finished job while the last fetch came back full) or on its poll.
//
// pg-boss still does the queueing: the claim (`fetch`, SKIP LOCKED, exactly one claimant across
// processes), the heartbeat (`touch`; a dead process's job is failed by pg-boss's supervisor and
// retried), retries and completion (`complete`/`fail`, fenced to the attempt that was fetched).
import type { PgBoss } from "pg-boss";
import { inConsumerSpan, tracingOn } from "../observe/tracing.ts";
import type { EngineJob, JobResult, SqlExecutor } from "./engine.ts";
import { preparedDb } from "./prepared-statements.ts";

export interface Dispatcher {
  wake(): void;
  /**
   * One of the loop's slots, taken before its job exists (null when none is free): for a job this
   * process sends and runs itself (engine.ts, `reserve`). Fetches leave it alone until released.
   */
  reserve(): Reservation | null;
  stop(timeoutMs: number): Promise<void>;
}

export interface Reservation {
  /** Runs `work` in the slot; `stop` waits for it like a fetched job. */
  start(work: () => Promise<void>): void;
  /** Gives the slot back unused (nothing, once started). */
  release(): void;
}

interface FetchedJob {
  id: string;
  data: unknown;
  retryCount: number;
  heartbeatSeconds: number | null;
  expireInSeconds: number;
}

export function startDispatcher<T>(
  boss: PgBoss,
  queue: string,
  options: {
    /** pg-boss's schema (where its job table is). */
    schema: string;
    /** Where the fetches go (pg-boss's `db` option): prepared statements on a pool of the engine's. */
    fetchDb: ReturnType<typeof preparedDb>;
    concurrency: number;
    pollSeconds: number;
    /** The engine's own failures (a fetch, a heartbeat, a settle). */
    onError: (error: unknown) => void;
    /** A handler threw: its job is failed, and pg-boss retries it within its queue's limit. */
    onJobFailed: (error: unknown) => void;
  },
  handler: (job: EngineJob<T>) => Promise<JobResult>,
): Dispatcher {
  const running = new Set<Promise<void>>();
  let stopped = false;
  let fetching = false;
  let inFetch: Promise<void> | null = null;
  // Woken while a fetch was in flight: fetch once more after it, the job may have come after.
  let again = false;
  // A wake found every slot taken, or the last fetch came back full: fetch when a slot frees.
  let owed = false;
  let timer: NodeJS.Timeout | null = null;

  // Slots promised to jobs this process is sending itself (`reserve`), not yet started.
  let reserved = 0;

  const free = () => options.concurrency - running.size - reserved;

  function schedulePoll() {
    if (timer) clearTimeout(timer);
    timer = stopped ? null : setTimeout(() => void pump(), options.pollSeconds * 1000);
    timer?.unref();
  }

  async function pump(): Promise<void> {
    if (stopped) return;
    if (fetching) {
      again = true;
      return;
    }
    if (free() <= 0) {
      owed = true;
      return;
    }
    fetching = true;
    again = false;
    owed = false;
    const batchSize = free();
    let fetched: FetchedJob[] = [];
    const fetch = async () => {
      try {
        fetched = ((await boss.fetch(queue, { batchSize, db: options.fetchDb })) ??
          []) as unknown as FetchedJob[];
      } catch (error) {
        options.onError(error);
      }
      const carriers = fetched.length > 0 && tracingOn() ? await traceCarriers(fetched) : null;
      // Jobs claimed are started even if `stop` came meanwhile: it waits for them (see below).
      for (const job of fetched) start(job, carriers?.get(job.id) ?? null);
    };
    // Until the jobs fetched are started (their slots taken), no other fetch goes out.
    inFetch = fetch().finally(() => {
      fetching = false;
      inFetch = null;
    });
    await inFetch;
    if (stopped) return;
    // A full fetch may have left more behind; a short one waits for a wake or the poll.
    if (fetched.length === batchSize) owed = true;
    if (again || (owed && free() > 0)) void pump();
    else schedulePoll();
  }

  // With tracing on, the trace each job's sender stored with it (pg-boss keeps the carrier it
  // fetches to itself): the worker's span continues the request's trace.
  async function traceCarriers(jobs: FetchedJob[]) {
    try {
      const { rows } = await boss
        .getDb()
        .executeSql(
          `SELECT id::text AS id, trace_context FROM ${options.schema}.job WHERE name = $1 AND id = ANY($2::uuid[])`,
          [queue, jobs.map((j) => j.id)],
        );
      return new Map(
        (rows as { id: string; trace_context: Record<string, string> | null }[]).map((r) => [
          r.id,
          r.trace_context,
        ]),
      );
    } catch (error) {
      options.onError(error);
      return null;
    }
  }

  function occupy(work: Promise<void>) {
    const done = work.finally(() => {
      running.delete(done);
      // A slot came free: fetch if a job may be waiting for it.
      if (owed && !stopped) void pump();
    });
    running.add(done);
  }

  function start(job: FetchedJob, carrier: Record<string, string> | null) {
    const traced = () =>
      inConsumerSpan(
        `process ${queue}`,
        carrier,
        {
          "messaging.system": "pg-boss",
          "messaging.destination.name": queue,
          "messaging.message.id": job.id,
        },
        () => execute(job),
      );
    occupy(traced());
  }

  async function execute(job: FetchedJob): Promise<void> {
    const claim = { id: job.id, retryCount: job.retryCount };
    // A live claim is refreshed at half its heartbeat, as pg-boss's own workers do.
    const beat =
      job.heartbeatSeconds && job.heartbeatSeconds > 0
        ? setInterval(
            () => void boss.touch(queue, [claim]).catch(options.onError),
            (job.heartbeatSeconds * 1000) / 2,
          )
        : null;
    beat?.unref();
    // Past its expiry the job is failed (pg-boss retries it), as pg-boss's workers do; the slot
    // stays taken until the handler returns.
    let expired = false;
    const expiry = setTimeout(() => {
      expired = true;
      if (beat) clearInterval(beat);
      void boss
        .fail(queue, [claim], { message: `handler execution exceeded ${job.expireInSeconds}s` })
        .catch(options.onError);
    }, job.expireInSeconds * 1000);
    expiry.unref();
    const completeIn = async (db: SqlExecutor) => {
      await boss.deleteJob(queue, [claim], { db: preparedDb(db) });
    };
    try {
      const result = await handler({
        id: job.id,
        data: job.data as T,
        retryCount: job.retryCount,
        complete: completeIn,
      });
      if (!expired && result !== "completed") await boss.complete(queue, [claim]);
    } catch (error) {
      if (!expired)
        await boss
          .fail(queue, [claim], { message: error instanceof Error ? error.message : String(error) })
          .catch(options.onError);
      options.onJobFailed(error);
    } finally {
      clearTimeout(expiry);
      if (beat) clearInterval(beat);
    }
  }

  void pump();
  return {
    wake() {
      void pump();
    },
    reserve() {
      if (stopped || free() <= 0) return null;
      reserved++;
      let settled = false;
      const settle = () => {
        if (settled) throw new Error("this reservation was started or released already");
        settled = true;
        reserved--;
      };
      return {
        start(work) {
          settle();
          occupy(work().catch(options.onJobFailed));
        },
        release() {
          if (settled) return;
          settle();
          if (owed && !stopped) void pump();
        },
      };
    },
    async stop(timeoutMs) {
      stopped = true;
      if (timer) clearTimeout(timer);
      // A fetch under way first: the jobs it claims are started and waited for like the others.
      await inFetch;
      const inFlight = Promise.allSettled([...running]);
      const gaveUp = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), timeoutMs).unref(),
      );
      await Promise.race([inFlight, gaveUp]);
    },
  };
}
