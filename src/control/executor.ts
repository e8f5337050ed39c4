// Executes a queued run on a worker. Transactions, each committed before the next step:
//   1. queued → running, audit run.started (so a crash from here on leaves a visible run);
//   2. the handler's effects, the final status and audit run.succeeded|failed — together.
// A job delivered again after its worker died finds the run `running`: actions declared
// `retry: "safe"` execute again (attempt + 1); every other run fails with `run.interrupted`
// ("outcome unknown — check before retrying") and is never re-executed silently.
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import { actorOf } from "../identity/principal.ts";
import { maskedResult, runEvent } from "../runs/run-audit.ts";
import type { RunJob } from "../runs/run-queue.ts";
import { isFinal } from "../runs/run-status.ts";
import { getRun, type RunRow, transitionRun } from "../runs/run-store.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { recheckApproval } from "./approval-recheck.ts";
import type { ControlDeps } from "./control-deps.ts";
import { runHandler } from "./run-handler.ts";

export async function executeQueuedRun(
  deps: ControlDeps,
  job: { data: RunJob; retryCount: number },
): Promise<void> {
  const { runId } = job.data;
  const run = await getRun(deps.pool, runId);
  if (!run || isFinal(run.status)) return;
  const action = deps.workspace.actions.get(run.action);
  if (!action) {
    await failRun(
      deps,
      run,
      null,
      new AirlockError("action.not_found", "The action no longer exists in this workspace."),
    );
    return;
  }
  let attempt: number;
  if (run.status === "queued") {
    const started = await inTransaction(deps.pool, async (tx) => {
      if (!(await transitionRun(tx, run.id, "queued", "running"))) return false;
      await appendAudit(tx, [
        runEvent("run.started", "info", action, run, {
          requestId: run.execution_request_id ?? run.request_id,
          data: { attempt: run.attempt + 1 },
        }),
      ]);
      return true;
    });
    if (!started) return;
    attempt = run.attempt + 1;
  } else if (run.status === "running") {
    if (action.retry !== "safe") {
      await failRun(deps, run, action, new AirlockError("run.interrupted"), "running");
      return;
    }
    const restarted = await deps.pool.query(
      "UPDATE airlock.runs SET attempt = attempt + 1, started_at = now(), updated_at = now() WHERE id = $1 AND status = 'running' AND attempt = $2",
      [run.id, run.attempt],
    );
    if (restarted.rowCount !== 1) return;
    attempt = run.attempt + 1;
    await appendAudit(deps.pool, [
      runEvent("run.started", "info", action, run, { data: { attempt, retry: "safe" } }),
    ]);
  } else {
    return;
  }
  await deps.racePoint?.("executor.after_start");

  const requestId = run.execution_request_id ?? run.request_id;
  const log = deps.log.child({ requestId, runId: run.id, action: action.name });
  const tx = await deps.pool.connect();
  let broken = false;
  try {
    await tx.query("BEGIN");
    const actor = await loadPrincipal(tx, run.actor_id);
    let stale: AirlockError | null = null;
    if (!actor)
      stale = new AirlockError("approval.stale", "The requester is disabled; nothing was executed.");
    else if (run.approval_request_id) stale = await recheckApproval(tx, deps.authorizer, action, run);
    const outcome = stale
      ? {
          status: "failed" as const,
          result: null,
          error: stale,
          snapshotBefore: null,
          snapshotAfter: null,
          durationMs: 0,
        }
      : await runHandler(tx, {
          action,
          params: run.params,
          runId: run.id,
          requestId,
          trace: { requestId, traceId: run.id.slice(-26).toLowerCase().padEnd(32, "0"), parentSpanId: null },
          actor: actorOf(actor!),
          idempotencyKey: `${run.actor_id}:${run.idempotency_key ?? run.id}`,
          reason: run.reason,
          attempt,
          log: () => log,
        });
    await deps.racePoint?.("executor.before_record");
    const moved = await transitionRun(tx, run.id, "running", outcome.status, {
      result: outcome.result,
      errorCode: outcome.error?.code ?? null,
      errorMessage: outcome.error?.message ?? null,
      snapshotBefore: outcome.snapshotBefore,
      snapshotAfter: outcome.snapshotAfter,
    });
    if (!moved) {
      // Someone else finished this attempt (a duplicate delivery): discard ours, effects included.
      await tx.query("ROLLBACK");
      return;
    }
    await appendAudit(tx, [
      runEvent(
        outcome.status === "succeeded" ? "run.succeeded" : "run.failed",
        outcome.status === "succeeded" ? "success" : "failure",
        action,
        run,
        {
          requestId,
          parentRequestId: run.execution_request_id ? run.request_id : run.parent_request_id,
          errorCode: outcome.error?.code ?? null,
          data: {
            before: outcome.snapshotBefore,
            after: outcome.snapshotAfter,
            result: outcome.status === "succeeded" ? maskedResult(action, outcome.result) : undefined,
            attempt,
            durationMs: Math.round(outcome.durationMs * 100) / 100,
          },
        },
      ),
    ]);
    await tx.query("COMMIT");
    deps.metrics.runsFinished.inc({ action: action.name, status: outcome.status });
    deps.metrics.runDuration.observe({ action: action.name }, outcome.durationMs / 1000);
  } catch (error) {
    await tx.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    tx.release(broken);
  }
  deps.waiter.finished(run.id);
}

async function failRun(
  deps: ControlDeps,
  run: RunRow,
  action: CompiledAction | null,
  error: AirlockError,
  from: "queued" | "running" = "queued",
) {
  await inTransaction(deps.pool, async (tx) => {
    if (
      !(await transitionRun(tx, run.id, from, "failed", {
        errorCode: error.code,
        errorMessage: error.message,
      }))
    )
      return;
    await appendAudit(tx, [
      action
        ? runEvent("run.failed", "failure", action, run, {
            errorCode: error.code,
            data: { attempt: run.attempt },
          })
        : {
            type: "run.failed",
            outcome: "failure",
            actorId: run.actor_id,
            action: run.action,
            runId: run.id,
            requestId: run.request_id,
            errorCode: error.code,
          },
    ]);
  });
  deps.waiter.finished(run.id);
}
