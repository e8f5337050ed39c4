// The durable-execution engine: DBOS Transact (decision 0006). Runbooks are DBOS workflows: each
// step's output is checkpointed by (workflow id, step number) in DBOS's system tables, so a
// workflow resumed after a crash replays the steps already done from their checkpoints and runs
// the rest. This module and `install-engine-schema.ts` are the only ones that import DBOS.
//
// DBOS is a per-process singleton (`DBOS.setConfig` + `DBOS.launch` once per process). Airlock's
// rule is "no global state, two instances in one process", so this module makes the singleton
// explicit: `acquireDurableEngine` launches it once per process and counts its users; a second
// Airlock instance on the same database shares it, one on another database is refused with a
// clear error (a test file runs one Airlock database per process).
//
// Cross-process recovery. Self-hosted DBOS recovers at launch only the workflows of the launching
// process's own executor ID; a dead process's workflows otherwise stay PENDING (DBOS's own issue
// tracker: python #716 — PENDING forever when recovery races a database restart). Airlock
// supervises it with DBOS's public API: every process writes a heartbeat row
// (`airlock.engine_executors`, migration 0030) each `heartbeatMs`; a process that has itself been
// heartbeating without a gap for `deadAfterMs` takes an executor whose heartbeat is older than
// that (row lock, SKIP LOCKED: one taker), lists its PENDING workflows (`DBOS.listWorkflows`) and
// re-enqueues them (`DBOS.resumeWorkflows`), then deletes the row — in that order, so a failure
// half-way (the database restarting) leaves the row for the next pass instead of stranding work.
// After a database outage every process's heartbeat is stale; the "own continuous heartbeat"
// rule keeps a process from declaring live peers dead before they had one interval to write.
import { hostname } from "node:os";
import { DBOS } from "@dbos-inc/dbos-sdk";
import pg from "pg";
import type { Log } from "../observe/logger.ts";
import { isConnectionLoss, watchOutage } from "../store/connection-loss.ts";
import { appConnectionOptions, listenForConnectionErrors } from "../store/database.ts";

/** DBOS's schema (installed by `airlock migrate`, see install-engine-schema.ts). */
export const DURABLE_SCHEMA = "dbos";
/** DBOS application name; its workflows, queues and schedules are scoped by it. */
const APPLICATION = "airlock";
/**
 * Every Airlock process must use the same application version, or DBOS would not run another
 * version's workflows. A runbook's own version lives in Airlock's runbook runs table.
 */
const APPLICATION_VERSION = "airlock-1";

export type WorkflowBody = (input: unknown) => Promise<unknown>;

/** What a schedule's tick runs: the tick's time and the context the schedule was applied with. */
export type TickBody = (tickAt: Date, context: unknown) => Promise<void>;

/** A schedule as DBOS fires it (its dynamic scheduler: one workflow per tick, id by tick time). */
export interface EngineSchedule {
  name: string;
  /** 5 fields, or 6 (with seconds) in tests. */
  cron: string;
  timeZone: string;
  context: unknown;
}

/**
 * Schedules on DBOS's dynamic scheduler. Every process runs a loop per active schedule and, at a
 * tick, inserts the workflow `sched-<name>-<tick ISO time>`: the id is the workflow's primary key,
 * so N processes firing one tick make one workflow, which one process runs (the internal queue).
 */
export interface DurableSchedules {
  /**
   * Create or update these (keeping each one's paused state and last tick); delete the other
   * workspace schedules. Names with a "." belong to a part that keeps its own (`upsert`/`remove`:
   * access reviews' `access-review.<id>`) and are left alone; workspace names never have one.
   */
  apply(schedules: EngineSchedule[]): Promise<void>;
  /** Create or update one schedule of a part's own (its name has a "."), touching no other. */
  upsert(schedule: EngineSchedule): Promise<void>;
  remove(name: string): Promise<void>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** The last tick each schedule fired (ISO), by name. */
  lastFired(): Promise<Map<string, string | null>>;
  /** Fire one tick now (catching up after downtime); the same tick fired twice is one workflow. */
  fire(name: string, tickAt: Date, context: unknown): Promise<void>;
  /**
   * What a tick runs in this process (one body per kind per process: the instance sharing the
   * engine). A schedule's context `{ kind }` picks the body; none is the workspace's schedules.
   */
  onTick(body: TickBody, kind?: string): void;
}

/** The tick body of the workspace's schedules (contexts without a `kind`). */
const WORKSPACE_TICKS = "schedule";
/** The workflow every schedule's tick runs, registered at launch in every process. */
const SCHEDULE_TICK_WORKFLOW = "airlock.schedule-tick";
/**
 * Every workflow name an Airlock process may run, registered at launch whichever part launches
 * first (DBOS refuses a registration after launch); each part brings its body when it acquires.
 */
export const PROCESS_WORKFLOWS: readonly string[] = ["airlock.runbook", "airlock.bulk"];

const SCHEDULE_POLL_MS = 1_000;

export interface DurableEngineOptions {
  url: string;
  log: Log;
  /** Workflows by name; registered before launch (DBOS requires it, for recovery). */
  workflows: Record<string, WorkflowBody>;
  /** Default `${hostname}-${pid}-${random}`: a restarted process is a new executor. */
  executorId?: string;
  heartbeatMs?: number;
  deadAfterMs?: number;
  poolSize?: number;
}

/** One recorded operation of a workflow: its place in the workflow's order and its name. */
export interface EngineOperation {
  functionId: number;
  /** A step's name; the engine's own operations are named `DBOS.recv`, `DBOS.sleep`, … */
  name: string;
}

export interface WorkflowState {
  id: string;
  status: string;
  executorId: string | undefined;
}

export interface DurableEngine {
  readonly executorId: string;
  /**
   * Start a workflow with this id in this process; starting an id again is a no-op (DBOS). The
   * answer waits for the workflow's end when the caller wants it.
   */
  start(workflow: string, workflowId: string, input: unknown): Promise<{ result(): Promise<unknown> }>;
  /** Inside a workflow: run `fn` once; on replay its checkpointed output is returned. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Inside a workflow: a durable sleep (the wake-up time is checkpointed). */
  sleep(ms: number): Promise<void>;
  /** Inside a workflow: wait for a message on `topic` (at most `timeoutSeconds`), null on timeout. */
  recv<T>(topic: string, timeoutSeconds: number): Promise<T | null>;
  /** Send a message to a workflow; the idempotency key makes a repeated send one message. */
  send(workflowId: string, topic: string, message: unknown, idempotencyKey: string): Promise<void>;
  /** The id of the workflow the caller runs in, if any. */
  currentWorkflowId(): string | undefined;
  cancel(workflowId: string): Promise<void>;
  /** Re-enqueue a cancelled or failed workflow; it continues after its last checkpointed step. */
  resume(workflowId: string): Promise<void>;
  state(workflowId: string): Promise<WorkflowState | null>;
  /**
   * Wait for a workflow's end (tests and tools). DBOS reads the workflow's row every second by
   * default; a tool that times the workflow passes a shorter `pollMs`, or the second is its figure.
   */
  result(workflowId: string, timeoutSeconds: number, pollMs?: number): Promise<unknown>;
  /** The operations a workflow recorded (steps, messages received, sleeps), in order. */
  operations(workflowId: string): Promise<EngineOperation[]>;
  /**
   * The names of a workflow's recorded operations, callable inside a workflow without becoming
   * one of its operations (DBOS records its own listing as a step when called from a workflow).
   */
  recordedNames(workflowId: string): Promise<Set<string>>;
  /** A workflow's recorded operations in order, callable inside a workflow as `recordedNames` is. */
  recordedOperations(workflowId: string): Promise<EngineOperation[]>;
  /**
   * A new workflow that carries `workflowId` on from its operation `functionId`: the operations
   * before it are copied with their recorded outputs, that one and the rest run again.
   */
  fork(workflowId: string, functionId: number, newWorkflowId: string): Promise<void>;
  /** Whether an error is the engine telling a workflow it was cancelled (let it propagate). */
  isCancellation(error: unknown): boolean;
  /** One supervision pass now (also runs every heartbeat); the workflows re-enqueued. */
  recoverDeadExecutors(): Promise<string[]>;
  readonly schedules: DurableSchedules;
  /**
   * Call `listener` each time the engine reaches the database again after an outage, with when
   * the outage was first seen; returns its removal.
   */
  onReachableAgain(listener: (downSince: Date) => void): () => void;
  release(): Promise<void>;
}

interface Host {
  url: string;
  users: number;
  pool: pg.Pool;
  executorId: string;
  bodies: Map<string, WorkflowBody>;
  registered: Map<string, (input: unknown) => Promise<unknown>>;
  tick: { bodies: Map<string, TickBody>; workflow: (tickAt: Date, context: unknown) => Promise<void> };
  timer: NodeJS.Timeout | null;
  stopping: Promise<void> | null;
  recoverPass: () => Promise<string[]>;
  reachableAgain: Set<(downSince: Date) => void>;
  /**
   * The ends of the workflows started in this process and still running, by id: `result` awaits
   * one here (DBOS's own handle) instead of reading the workflow's row until it has ended.
   */
  started: Map<string, Promise<unknown>>;
}

// The one DBOS of this process (see the header): held here, behind acquire/release, so that
// Airlock instances see an engine object and never the singleton.
let host: Host | null = null;
let launching: Promise<Host> | null = null;

export async function acquireDurableEngine(options: DurableEngineOptions): Promise<DurableEngine> {
  if (launching) await launching.catch(() => {});
  if (host?.stopping) await host.stopping;
  if (host && host.url !== options.url)
    throw new Error(
      "durable engine: this process already runs DBOS on another database; one database per process",
    );
  if (!host) {
    launching = launch(options);
    try {
      host = await launching;
    } finally {
      launching = null;
    }
  } else {
    for (const [name, body] of Object.entries(options.workflows)) {
      if (!host.registered.has(name))
        throw new Error(`durable engine: workflow ${name} was not registered at launch`);
      host.bodies.set(name, body);
    }
  }
  const current = host;
  current.users++;
  async function recordedOperations(workflowId: string): Promise<EngineOperation[]> {
    // DBOS's documented system table, read only.
    const { rows } = await current.pool.query<{ function_id: number; function_name: string }>(
      `SELECT function_id, function_name FROM "${DURABLE_SCHEMA}".operation_outputs
        WHERE workflow_uuid = $1 ORDER BY function_id`,
      [workflowId],
    );
    return rows.map((r) => ({ functionId: r.function_id, name: r.function_name }));
  }
  let released = false;
  return {
    executorId: current.executorId,
    async start(workflow, workflowId, input) {
      const registered = current.registered.get(workflow);
      if (!registered) throw new Error(`durable engine: unknown workflow ${workflow}`);
      const handle = await DBOS.startWorkflow(registered, { workflowID: workflowId })(input);
      // Inside a workflow, DBOS records asking for a child's result as one of the parent's steps:
      // only the caller may decide to.
      if (DBOS.isWithinWorkflow()) return { result: () => handle.getResult() };
      const ended = handle.getResult();
      // Awaited by whoever asks for the result; a failure nobody asked for is not unhandled.
      ended.catch(() => {});
      current.started.set(workflowId, ended);
      const forget = () => {
        if (current.started.get(workflowId) === ended) current.started.delete(workflowId);
      };
      ended.then(forget, forget);
      return { result: () => ended };
    },
    step: (name, fn) => DBOS.runStep(() => whileUnreachable(fn), { name }),
    sleep: (ms) => DBOS.sleep(ms),
    recv: (topic, timeoutSeconds) => DBOS.recv(topic, timeoutSeconds),
    send: (workflowId, topic, message, idempotencyKey) =>
      DBOS.send(workflowId, message, topic, idempotencyKey),
    currentWorkflowId: () => (DBOS.isWithinWorkflow() ? DBOS.workflowID : undefined),
    cancel: async (workflowId) => {
      current.started.delete(workflowId);
      await DBOS.cancelWorkflow(workflowId);
    },
    resume: async (workflowId) => {
      // Resumed, it runs again wherever the engine enqueues it: its end is read from its row.
      current.started.delete(workflowId);
      await DBOS.resumeWorkflow(workflowId);
    },
    async state(workflowId) {
      const status = await DBOS.getWorkflowStatus(workflowId);
      return status ? { id: workflowId, status: status.status, executorId: status.executorId } : null;
    },
    result(workflowId, timeoutSeconds, pollMs) {
      const ended = current.started.get(workflowId);
      if (ended) return withTimeout(ended, timeoutSeconds);
      return DBOS.getResult(
        workflowId,
        pollMs === undefined ? { timeoutSeconds } : { timeoutSeconds, pollingIntervalMs: pollMs },
      );
    },
    async operations(workflowId) {
      const steps = (await DBOS.listWorkflowSteps(workflowId)) ?? [];
      return steps.map((s) => ({ functionId: s.functionID, name: s.name }));
    },
    recordedNames: async (workflowId) => new Set((await recordedOperations(workflowId)).map((op) => op.name)),
    recordedOperations,
    async fork(workflowId, functionId, newWorkflowId) {
      await DBOS.forkWorkflow(workflowId, functionId, { newWorkflowID: newWorkflowId });
    },
    isCancellation: (error) =>
      error instanceof Error && error.constructor.name === "DBOSWorkflowCancelledError",
    recoverDeadExecutors: () => current.recoverPass(),
    onReachableAgain(listener) {
      current.reachableAgain.add(listener);
      return () => current.reachableAgain.delete(listener);
    },
    schedules: {
      async apply(schedules) {
        await DBOS.applySchedules(
          schedules.map((s) => ({
            scheduleName: s.name,
            workflowFn: current.tick.workflow,
            schedule: s.cron,
            cronTimezone: s.timeZone,
            context: s.context,
          })),
        );
        const wanted = new Set(schedules.map((s) => s.name));
        for (const existing of await DBOS.listSchedules())
          if (!wanted.has(existing.scheduleName) && !existing.scheduleName.includes("."))
            await DBOS.deleteSchedule(existing.scheduleName);
      },
      async upsert(schedule) {
        await DBOS.applySchedules([
          {
            scheduleName: schedule.name,
            workflowFn: current.tick.workflow,
            schedule: schedule.cron,
            cronTimezone: schedule.timeZone,
            context: schedule.context,
          },
        ]);
      },
      remove: (name) => DBOS.deleteSchedule(name),
      pause: (name) => DBOS.pauseSchedule(name),
      resume: (name) => DBOS.resumeSchedule(name),
      async lastFired() {
        const all = await DBOS.listSchedules();
        return new Map(all.map((s) => [s.scheduleName, s.lastFiredAt]));
      },
      async fire(name, tickAt, context) {
        // DBOS's own id for a tick (scheduler.js), so a tick its loop also fires is one workflow.
        const workflowID = `sched-${name}-${tickAt.toISOString()}`;
        await DBOS.startWorkflow(current.tick.workflow, { workflowID })(tickAt, context);
      },
      onTick(body, kind = WORKSPACE_TICKS) {
        current.tick.bodies.set(kind, body);
      },
    },
    async release() {
      if (released) return;
      released = true;
      current.users--;
      if (current.users > 0) return;
      current.stopping = stop(current);
      await current.stopping;
      if (host === current) host = null;
    },
  };
}

async function launch(options: DurableEngineOptions): Promise<Host> {
  const executorId =
    options.executorId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const deadAfterMs = options.deadAfterMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    application_name: "airlock-durable",
    options: appConnectionOptions(),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
  });
  const outage = watchOutage(options.log, "durable engine");
  listenForConnectionErrors(pool, (error) => {
    if (!outage.failed(error)) options.log.warn({ err: error }, "durable engine connection failed");
  });
  const reachableAgain = new Set<(downSince: Date) => void>();
  pool.on("connect", () => {
    const since = outage.downSince;
    outage.succeeded();
    if (since !== null) for (const listener of reachableAgain) listener(new Date(since));
  });

  const bodies = new Map<string, WorkflowBody>(Object.entries(options.workflows));
  const registered = new Map<string, (input: unknown) => Promise<unknown>>();
  for (const name of new Set([...bodies.keys(), ...PROCESS_WORKFLOWS])) {
    // The registered function looks its body up at call time: an Airlock instance that shares this
    // process's engine later brings its own (same workspace, same code).
    const dispatch = async (input: unknown) => {
      const body = bodies.get(name);
      if (!body) throw new Error(`durable engine: no body for workflow ${name}`);
      return await body(input);
    };
    registered.set(name, DBOS.registerWorkflow(dispatch, { name }));
  }
  const log = options.log.child({ component: "durable-engine" });
  const tick: Host["tick"] = {
    bodies: new Map(),
    workflow: DBOS.registerWorkflow(
      async (tickAt: Date, context: unknown) => {
        const kind = (context as { kind?: unknown } | null)?.kind;
        const body = tick.bodies.get(typeof kind === "string" ? kind : WORKSPACE_TICKS);
        // A process whose workspace has no schedules has no body: the tick was fired from a
        // schedule another configuration applied; nothing to run here.
        if (!body) return log.warn({ context }, "a schedule ticked in a process without schedules");
        await body(new Date(tickAt), context);
      },
      { name: SCHEDULE_TICK_WORKFLOW },
    ),
  };
  DBOS.setConfig({
    name: APPLICATION,
    systemDatabaseUrl: options.url,
    systemDatabasePool: pool,
    systemDatabaseSchemaName: DURABLE_SCHEMA,
    applicationVersion: APPLICATION_VERSION,
    executorID: executorId,
    runMigrations: false,
    // How often each process re-reads the schedules (DBOS's default: 30 s). A pause, a resume or a
    // changed definition made in one process reaches every other's scheduler loop within this; a
    // read of a handful of rows per second per process.
    schedulerPollingIntervalMs: SCHEDULE_POLL_MS,
    logger: {
      info: (entry) => log.debug({ dbos: String(entry) }, "dbos"),
      debug: () => {},
      warn: (entry) => log.warn({ dbos: String(entry) }, "dbos"),
      error: (error) => log.error({ err: error }, "dbos error"),
    },
  });
  await DBOS.launch();

  let continuousSince = 0;
  let lastBeat = 0;
  async function beat(): Promise<void> {
    const now = Date.now();
    await pool.query(
      `INSERT INTO airlock.engine_executors (executor_id) VALUES ($1)
       ON CONFLICT (executor_id) DO UPDATE SET heartbeat_at = now()`,
      [executorId],
    );
    if (now - lastBeat > 2 * heartbeatMs + 1_000) continuousSince = now;
    lastBeat = now;
  }
  async function recoverPass(): Promise<string[]> {
    if (continuousSince === 0 || Date.now() - continuousSince < deadAfterMs) return [];
    const client = await pool.connect();
    const recovered: string[] = [];
    try {
      await client.query("BEGIN");
      // Index: engine_executors_pkey (a handful of rows: one per live process).
      const dead = await client.query<{ executor_id: string }>(
        `SELECT executor_id FROM airlock.engine_executors
          WHERE heartbeat_at < now() - make_interval(secs => $1) AND executor_id <> $2
          FOR UPDATE SKIP LOCKED`,
        [deadAfterMs / 1000, executorId],
      );
      for (const { executor_id: dead_id } of dead.rows) {
        const pending = await DBOS.listWorkflows({
          executorId: dead_id,
          status: "PENDING",
          loadInput: false,
          loadOutput: false,
        });
        const ids = pending.map((w) => w.workflowID);
        if (ids.length > 0) await DBOS.resumeWorkflows(ids);
        recovered.push(...ids);
        await client.query("DELETE FROM airlock.engine_executors WHERE executor_id = $1", [dead_id]);
        log.info({ deadExecutor: dead_id, workflows: ids.length }, "recovered a dead process's workflows");
      }
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    return recovered;
  }
  await beat();
  const created: Host = {
    url: options.url,
    users: 0,
    pool,
    executorId,
    bodies,
    registered,
    tick,
    timer: null,
    stopping: null,
    recoverPass,
    reachableAgain,
    started: new Map(),
  };
  let busy = false;
  created.timer = setInterval(() => {
    if (busy) return;
    busy = true;
    beat()
      .then(() => recoverPass())
      .catch((error) => {
        if (!outage.failed(error)) log.warn({ err: error }, "durable engine supervision pass failed");
      })
      .finally(() => {
        busy = false;
      });
  }, heartbeatMs);
  created.timer.unref();
  return created;
}

async function stop(current: Host): Promise<void> {
  if (current.timer) clearInterval(current.timer);
  // DBOS stops dispatching; workflows still running here stay PENDING on this executor. The
  // heartbeat is set to the distant past so a live peer takes them on its next pass instead of
  // waiting deadAfterMs as after a crash.
  await DBOS.shutdown({ deregister: true });
  await current.pool
    .query("UPDATE airlock.engine_executors SET heartbeat_at = '-infinity' WHERE executor_id = $1", [
      current.executorId,
    ])
    .catch(() => {});
  await current.pool.end().catch(() => {});
}

/** How long a step waits for PostgreSQL to come back before its error ends the step. */
const UNREACHABLE_FOR_MS = 120_000;

/**
 * Run `fn` again while it fails because PostgreSQL is out of reach (restarting, failing over),
 * up to two minutes. A step's body is idempotent (Airlock's steps are: an action step resubmits
 * with its idempotency key, step rows are upserts), so running it again is what a resume would do
 * anyway — but without this a database restart under 50 running runbooks failed about one in five
 * of them (measured: 9 of 50) with "Connection terminated", as a step error.
 */
export async function whileUnreachable<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + UNREACHABLE_FOR_MS;
  for (let wait = 100; ; wait = Math.min(2_000, wait * 2)) {
    try {
      return await fn();
    } catch (error) {
      if (!isConnectionLoss(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** `ended`, or null after `timeoutSeconds` (what DBOS's getResult answers on a timeout). */
async function withTimeout(ended: Promise<unknown>, timeoutSeconds: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutSeconds * 1000);
  });
  try {
    return await Promise.race([ended, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
