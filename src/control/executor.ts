// Executes a queued run on a worker. Transactions, each committed before the next step:
//   1. queued → running, audit run.started (so a crash from here on leaves a visible run);
//   2. the handler's effects, the final status, audit run.succeeded|failed and the job's
//      completion — together (a run that finished never comes back as a job).
// Both on one connection when no concurrency slot is held: the first's COMMIT goes out with the
// second's BEGIN and the read of the requester, in one round trip.
// A job delivered again after its worker died finds the run `running`: actions declared
// `retry: "safe"` execute again (attempt + 1); every other run fails with `run.interrupted`
// ("outcome unknown — check before retrying") and is never re-executed silently.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { SqlExecutor } from "../engine/engine.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import { actorOf, type Principal } from "../identity/principal.ts";
import {
  failRun as failRunOnce,
  finishRun,
  isRunMoved,
  restartSafeRun,
  startRun,
} from "../runs/run-lifecycle.ts";
import { appendRunLogs } from "../runs/run-logs.ts";
import type { RunJob } from "../runs/run-queue.ts";
import { RUN_QUEUE } from "../runs/run-queue.ts";
import { isFinal } from "../runs/run-status.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
import { executionParams } from "../runs/run-values.ts";
import type { TransactionClient } from "../store/queryable.ts";
import { holdWrites, sendTogether } from "../store/send-together.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { recheckApproval } from "./approval-recheck.ts";
import type { ControlDeps } from "./control-deps.ts";
import { admitRun, takeSlot } from "./limits.ts";
import { runHandler } from "./run-handler.ts";

// How soon a queued run whose action has no free slot is tried again.
const SLOT_RETRY_SECONDS = 1;

/** A job as the executor gets it: `complete` settles it inside the caller's transaction. */
export interface QueuedRunJob {
  data: RunJob;
  retryCount: number;
  complete?: (db: SqlExecutor) => Promise<void>;
}

/**
 * "completed" when the job was completed in the run's own committed transaction. `handed`: the
 * run as the submit in this process committed it (run-handoff.ts), for its job's first delivery;
 * `startedBy`: that submit created it started, decided on this principal, for this process to
 * execute (control.ts).
 */
export async function executeQueuedRun(
  deps: ControlDeps,
  job: QueuedRunJob,
  handed: RunRow | null = null,
  startedBy: Principal | null = null,
): Promise<"completed" | undefined> {
  const { runId } = job.data;
  const run = handed ?? (await getRun(deps.pool, runId));
  if (!run || isFinal(run.status)) return;
  const startedHere = handed !== null && startedBy !== null;
  const action = actionAsRequested(deps, run, startedHere);
  if (action instanceof AirlockError) {
    const loaded = deps.workspace.actions.get(run.action);
    // The failure's audit event names the version the run was requested against.
    const from = run.status === "running" ? "running" : "queued";
    if (run.status === "queued" || run.status === "running")
      await failRun(deps, run, loaded ? { ...loaded, version: run.action_version } : null, action, from);
    return;
  }
  // A concurrency limit: the slot is taken by the transaction the handler will run in, before
  // the run is started, and held until that transaction ends. With every slot taken, the run
  // stays queued and its job comes back in a second (taking no worker while it waits).
  const slot = action.limits.concurrency === null ? null : await holdSlot(deps, action, run.id);
  if (slot === false) return;
  // A rate with `whenFull: "queue"`: the run takes its place in the window as it starts (not when
  // it was requested), after its slot so a run waiting for a slot is not counted twice. Over the
  // rate, it stays queued and its job comes back when the oldest admission leaves the window.
  if (run.status === "queued" && action.limits.whenFull === "queue") {
    const verdict = await admitQueued(deps, action, run).catch(async (error) => {
      if (slot) await endSlot(slot);
      throw error;
    });
    if (!verdict.admitted) {
      if (slot) await endSlot(slot);
      await deps.engine.enqueue(
        deps.pool,
        RUN_QUEUE,
        { runId },
        { startAfterSeconds: verdict.retryAfterSeconds },
      );
      return;
    }
  }
  try {
    return await startAndExecute(deps, run, action, slot, job.complete, startedHere ? startedBy : null);
  } finally {
    if (slot) await endSlot(slot);
  }
}

/**
 * The definition a run executes: the version it was requested (and perhaps approved) against,
 * never silently another. That is the loaded one, or one this process still holds (`airlock dev`
 * keeps superseded versions until their runs are done); otherwise the run fails, naming both.
 */
function actionAsRequested(
  deps: ControlDeps,
  run: RunRow,
  startedHere: boolean,
): CompiledAction | AirlockError {
  const loaded = deps.workspace.actions.get(run.action);
  if (loaded?.version === run.action_version) return loaded;
  const held = deps.heldVersion?.(run.action, run.action_version);
  if (held) return held;
  if (!loaded) return new AirlockError("action.not_found", "The action no longer exists in this workspace.");
  if (run.status === "running" && !startedHere && loaded.retry !== "safe")
    return new AirlockError("run.interrupted");
  return new AirlockError(
    "run.version_changed",
    `This run was requested against version ${run.action_version} of ${run.action}; version ${loaded.version} is loaded now. Nothing was executed: run it again to use the new version.`,
    { requestedVersion: run.action_version, loadedVersion: loaded.version },
  );
}

/** The connection whose transaction holds a slot; `open` until that transaction has ended. */
interface Slot {
  client: pg.PoolClient;
  open: boolean;
  broken: boolean;
}

async function startAndExecute(
  deps: ControlDeps,
  run: RunRow,
  action: CompiledAction,
  slot: Slot | null,
  completeJob: QueuedRunJob["complete"],
  /** The run was created started by a submit in this process, decided on this principal. */
  startedBy: Principal | null,
): Promise<"completed" | undefined> {
  if (run.status === "running" && !startedBy && action.retry !== "safe") {
    await failRun(deps, run, action, new AirlockError("run.interrupted"), "running");
    return;
  }
  if (run.status !== "queued" && run.status !== "running") return;
  const start = (tx: TransactionClient) =>
    run.status === "queued"
      ? startRun(tx, { action, run }).then(
          () => true,
          (error: unknown) => {
            if (isRunMoved(error)) return false;
            throw error;
          },
        )
      : restartSafeRun(tx, { action, run });
  // With a slot, the handler's transaction is the slot's (already open): the start commits on
  // another connection. Without, the start and the handler share one connection (see the top).
  let tx: pg.PoolClient;
  let actorRead: Promise<Awaited<ReturnType<typeof loadPrincipal>>>;
  if (slot) {
    if (!(await inTransaction(deps.pool, start))) return;
    tx = slot.client;
    actorRead = loadPrincipal(tx, run.actor_id);
    // Awaited below; a rejection seen there ends in the ROLLBACK.
    actorRead.catch(() => {});
  } else {
    const started = startedBy
      ? await beginOnOwnConnection(deps, startedBy)
      : await startOnOwnConnection(deps, run, action, start);
    if (!started) return;
    ({ tx, actorRead } = started);
  }
  // A run created started is in its first attempt already.
  const attempt = startedBy ? run.attempt : run.attempt + 1;
  await deps.racePoint?.("executor.after_start");

  const requestId = run.execution_request_id ?? run.request_id;
  const log = deps.log.child({ requestId, runId: run.id, action: action.name });
  let broken = false;
  let completed = false;
  let ended: RunRow | null = null;
  try {
    const actor = await actorRead;
    let stale: AirlockError | null = null;
    // The raw parameters, decrypted for the handler alone (runs/run-values.ts).
    let params: Record<string, unknown> = {};
    try {
      params = executionParams(deps.keyring, run) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof AirlockError)) throw error;
      stale = error;
    }
    if (stale) {
      // Not decryptable: fail the run with the reason rather than retry forever.
    } else if (!actor)
      stale = new AirlockError("approval.stale", "The requester is disabled; nothing was executed.");
    else if (run.approval_request_id)
      stale = await recheckApproval(tx, deps.authorizer, action, run, params, deps.paramsHashKey ?? null);
    const outcome = stale
      ? {
          status: "failed" as const,
          result: null,
          error: stale,
          snapshotBefore: null,
          snapshotAfter: null,
          durationMs: 0,
          logs: [],
        }
      : await runHandler(tx, {
          action,
          params,
          runId: run.id,
          requestId,
          // Without tracing, a trace ID of the run's own (hex, as W3C requires; run IDs are not).
          trace: { requestId, traceId: runTraceId(run.id), parentSpanId: null },
          actor: actorOf(actor!),
          idempotencyKey: `${run.actor_id}:${run.idempotency_key ?? run.id}`,
          reason: run.reason,
          attempt,
          log: () => log,
          resources: deps.resources,
        });
    await appendRunLogs(tx, { runId: run.id, attempt, requestId }, outcome.logs);
    await deps.racePoint?.("executor.before_record");
    ended = await endWithCommit(
      tx,
      () => finishRun(deps, tx, { action, run, outcome, attempt, requestId }),
      completeJob,
    );
    // Null: someone else finished this attempt (a duplicate delivery), and our COMMIT rolled
    // back ours, effects included.
    if (!ended) return;
    completed = completeJob !== undefined;
  } catch (error) {
    await tx.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    // The transaction ended above (COMMIT or ROLLBACK), and the slot with it.
    if (slot) Object.assign(slot, { open: false, broken });
    else tx.release(broken);
  }
  deps.waiter.finished(run.id, ended);
  return completed ? "completed" : undefined;
}

/**
 * The run's end, its audit event, the job's completion and COMMIT, in one round trip; the run as
 * it ended, or null when another delivery had moved it (the end's statement then failed the
 * transaction, and the COMMIT rolled everything back). pg-boss issues its completion's statement
 * after awaits of its own: the end and COMMIT are sent once it has, behind it in the transaction.
 */
async function endWithCommit(
  tx: pg.PoolClient,
  finish: () => Promise<RunRow>,
  completeJob: QueuedRunJob["complete"],
): Promise<RunRow | null> {
  let issued: () => void = () => {};
  const sent = new Promise<void>((resolve) => {
    issued = resolve;
  });
  // One socket write for all of it (the most expensive call on this path: docs/benchmarks.md).
  const release = holdWrites(tx);
  let finished: Promise<RunRow>;
  let commit: Promise<unknown>;
  let completion: Promise<void> | undefined;
  try {
    completion = completeJob?.({
      query: (statement) => {
        const query = tx.query(statement);
        issued();
        return query;
      },
    });
    // A completion that fails before its statement is sent fails the end below.
    if (completion) await Promise.race([sent, completion.then(noop, noop)]);
    finished = finish();
    commit = tx.query("COMMIT");
  } finally {
    release();
  }
  try {
    const [row] = await Promise.all([finished, completion, commit]);
    return row;
  } catch (error) {
    if (!isRunMoved(error)) throw error;
    await commit;
    return null;
  }
}

function noop() {}

/**
 * The handler's transaction of a run created started, decided on `startedBy` a moment ago (a
 * cached token's credentials checked in the transaction that created the run): the requester is
 * not read again, and BEGIN goes out without waiting, ahead of the handler's first statement.
 */
async function beginOnOwnConnection(deps: ControlDeps, startedBy: Principal) {
  const tx = await deps.pool.connect();
  // BEGIN on a live connection does not fail; a dead one fails every statement behind it.
  tx.query("BEGIN").catch(() => {});
  return { tx, actorRead: Promise.resolve<Principal | null>(startedBy) };
}

/**
 * The start's transaction on a connection of its own, then — pipelined behind its COMMIT — the
 * handler's BEGIN and the read of the requester. A queued run's start goes out in that same write
 * (one round trip): its move fails the transaction when another delivery started the run first.
 * Null (connection released) when another delivery started the run first.
 */
async function startOnOwnConnection(
  deps: ControlDeps,
  run: RunRow,
  action: CompiledAction,
  start: (tx: TransactionClient) => Promise<boolean>,
) {
  const tx = await deps.pool.connect();
  try {
    let actorRead: ReturnType<typeof loadPrincipal>;
    if (run.status === "queued") {
      const [begun, started, commit, next, read] = sendTogether(tx, () => [
        tx.query("BEGIN"),
        startRun(tx, { action, run }),
        tx.query("COMMIT"),
        tx.query("BEGIN"),
        loadPrincipal(tx, run.actor_id),
      ]);
      actorRead = read;
      actorRead.catch(() => {});
      const moved = await Promise.all([begun, started, commit, next]).then(
        () => true,
        (error: unknown) => {
          if (isRunMoved(error)) return false;
          throw error;
        },
      );
      if (!moved) {
        await Promise.all([commit, next, actorRead]).catch(() => {});
        await tx.query("ROLLBACK");
        tx.release();
        return null;
      }
      return { tx, actorRead };
    }
    // Issued at once: the transition rides BEGIN's round trip.
    const [, started] = await Promise.all([tx.query("BEGIN"), start(tx)]);
    if (!started) {
      await tx.query("ROLLBACK");
      tx.release();
      return null;
    }
    const commit = tx.query("COMMIT");
    const next = tx.query("BEGIN");
    actorRead = loadPrincipal(tx, run.actor_id);
    // Awaited by the caller; a rejection seen there ends in its ROLLBACK.
    actorRead.catch(() => {});
    await Promise.all([commit, next]);
    return { tx, actorRead };
  } catch (error) {
    const broken = await tx.query("ROLLBACK").then(
      () => false,
      () => true,
    );
    tx.release(broken);
    throw error;
  }
}

/**
 * A connection in a transaction holding one of the action's slots; or false when all are taken,
 * after the run's job was put back on the queue for a second later.
 */
async function holdSlot(deps: ControlDeps, action: CompiledAction, runId: string): Promise<Slot | false> {
  const slot: Slot = { client: await deps.pool.connect(), open: true, broken: false };
  let taken = false;
  try {
    await slot.client.query("BEGIN");
    taken = (await takeSlot(slot.client, action.name, action.limits.concurrency ?? 0)) !== null;
  } finally {
    if (!taken) await endSlot(slot);
  }
  if (taken) return slot;
  await deps.engine.enqueue(deps.pool, RUN_QUEUE, { runId }, { startAfterSeconds: SLOT_RETRY_SECONDS });
  return false;
}

async function admitQueued(deps: ControlDeps, action: CompiledAction, run: RunRow) {
  if (action.limits.perMinute === null && action.limits.perActor === null) return { admitted: true as const };
  return await admitRun(deps.pool, action.name, run.actor_id, action.limits);
}

async function endSlot(slot: Slot): Promise<void> {
  if (slot.open)
    await slot.client.query("ROLLBACK").catch(() => {
      slot.broken = true;
    });
  slot.client.release(slot.broken);
}

async function failRun(
  deps: ControlDeps,
  run: RunRow,
  action: CompiledAction | null,
  error: AirlockError,
  from: "queued" | "running" = "queued",
) {
  await inTransaction(deps.pool, (tx) => failRunOnce(deps, tx, { run, action, error, from }));
  deps.waiter.finished(run.id);
}

function runTraceId(runId: string): string {
  return createHash("sha256").update(runId).digest("hex").slice(0, 32);
}
