// Executes a running batch: the body of its durable workflow (DBOS, decision 0006; docs/bulk.md
// says why). Each item is submitted through the control layer as its own governed run, under the
// batch's approval, with the idempotency key `bulk:<batch>:<position>` — so an item submitted
// again after a crash (its outcome not yet written here) is answered with its first run, never
// applied twice. Where each item stands is in `bulk_items`; the workflow holds no state of its
// own, so a workflow resumed on another process simply carries on with the pending items.
//
// `concurrency` lanes take items in order. Item outcomes are written in groups (every
// FLUSH_EVERY_MS or FLUSH_ITEMS), not one statement per item: losing a group in a crash only means
// those items are submitted again and replayed. Pause, cancel and stop are seen between items.
import type pg from "pg";
import type { ApprovalDeps } from "../approval/approval-deps.ts";
import { recheckSubjectApproval } from "../approval/subject-approval.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Control } from "../control/control.ts";
import { findKey } from "../control/idempotency-store.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import type { Log } from "../observe/logger.ts";
import { scrubText } from "../pii/mask.ts";
import { isFinal } from "../runs/run-status.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
import type { BulkOptions } from "../sdk/define-action.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { batchEvent, emitProgress } from "./bulk-audit.ts";
import { type ItemSealing, itemParams } from "./bulk-item-values.ts";
import {
  type BatchRow,
  endItems,
  getBatch,
  type ItemEnd,
  type ItemRow,
  itemCounts,
  moveBatch,
  pendingItems,
  skipPending,
} from "./bulk-store.ts";

export const BULK_WORKFLOW = "airlock.bulk";
const FLUSH_EVERY_MS = 250;
const FLUSH_ITEMS = 200;
/** How often the runner re-reads the batch's status (pause, cancel) and re-checks its approval. */
const CHECK_EVERY_MS = 500;
const RECHECK_APPROVAL_MS = 5_000;
const DEFAULT_CONSECUTIVE_FAILURES = 10;
const MIN_ENDED_FOR_RATE = 20;

export interface RunnerDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  control: Control;
  approvals: Pick<ApprovalDeps, "subjects" | "authorizer" | "outbox" | "keyring" | "paramsHashKey">;
  log: Log;
  /** Named points where tests force an interleaving; no-ops in production. */
  racePoint?: (name: string) => Promise<void>;
}

function sealingOf(deps: RunnerDeps): ItemSealing {
  return { keyring: deps.approvals.keyring, paramsHashKey: deps.approvals.paramsHashKey ?? null };
}

export function itemKey(batchId: string, position: number): string {
  return `bulk:${batchId}:${position}`;
}

export function bulkWorkflow(deps: RunnerDeps) {
  return async (input: unknown): Promise<unknown> => {
    const { batchId } = input as { batchId: string };
    return await runBatch(deps, batchId);
  };
}

async function runBatch(deps: RunnerDeps, batchId: string): Promise<string> {
  const batch = await getBatch(deps.pool, batchId);
  if (batch?.status !== "running") return batch?.status ?? "missing";
  const action = deps.workspace.actions.get(batch.action);
  const requester = await loadPrincipal(deps.pool, batch.requester_id);
  if (!action || !requester) {
    await stopBatch(
      deps,
      batch,
      "approval.stale",
      action ? "The requester is disabled." : "The action no longer exists.",
    );
    return "stopped";
  }
  const stale = await recheck(deps, batch, action);
  if (stale) {
    await stopBatch(deps, batch, stale.code, stale.message);
    return "stopped";
  }
  const bulk = action.definition.bulk as BulkOptions;
  const consecutiveLimit = bulk.stopAfter?.consecutiveFailures ?? DEFAULT_CONSECUTIVE_FAILURES;
  const rateLimit = bulk.stopAfter?.failureRate ?? null;

  let status: BatchRow["status"] = "running";
  let stopWhy: { code: string; message: string } | null = null;
  let lastCheck = Date.now();
  let lastRecheck = Date.now();
  let checking: Promise<void> | null = null;
  const counts = await itemCounts(deps.pool, batchId);
  let ended = counts.succeeded + counts.failed;
  let failed = counts.failed;
  let consecutive = 0;
  let buffer: ItemEnd[] = [];
  let lastFlush = Date.now();
  let flushing: Promise<void> = Promise.resolve();

  // Counts as written by this workflow, for the progress events: counting the batch's items in
  // SQL at every flush scanned the whole batch (10,000 rows) four times a second.
  const written = { done: counts.succeeded + counts.failed + counts.skipped, failed: counts.failed };
  let flushError: unknown = null;
  const flush = async () => {
    const ends = buffer;
    buffer = [];
    lastFlush = Date.now();
    // One flush at a time, in order: a later one never overtakes an earlier one.
    flushing = flushing.then(async () => {
      if (ends.length === 0) return;
      await endItems(deps.pool, batchId, ends);
      written.done += ends.length;
      written.failed += ends.filter((e) => e.status === "failed").length;
      await emitProgress(deps.pool, batch, written);
    });
    await flushing;
  };
  // A lane does not wait for the group it hands over: it takes its next item at once. A failed
  // write stops the lanes at their next item (and the workflow with it, to be resumed).
  const handOver = () => {
    flush().catch((error) => {
      flushError ??= error;
    });
  };

  const look = async () => {
    const current = await getBatch(deps.pool, batchId);
    status = current?.status ?? "cancelled";
    // Paused and resumed meanwhile: the resume's workflow carries on, this one ends.
    if (current && current.generation !== batch.generation) status = "paused";
    if (status === "running" && Date.now() - lastRecheck > RECHECK_APPROVAL_MS) {
      lastRecheck = Date.now();
      const error = await recheck(deps, batch, action);
      if (error) stopWhy = { code: error.code, message: error.message };
    }
  };

  let cursor = 0;
  const queue: ItemRow[] = [];
  let loading: Promise<void> | null = null;
  let exhausted = false;
  const next = async (): Promise<ItemRow | null> => {
    for (;;) {
      if (queue.length > 0) return queue.shift()!;
      if (exhausted) return null;
      loading ??= pendingItems(deps.pool, batchId, cursor, 500).then((rows) => {
        if (rows.length === 0) exhausted = true;
        else cursor = rows.at(-1)!.position;
        queue.push(...rows);
        loading = null;
      });
      await loading;
    }
  };

  const lane = async () => {
    for (;;) {
      if (Date.now() - lastCheck > CHECK_EVERY_MS) {
        lastCheck = Date.now();
        checking ??= look().finally(() => {
          checking = null;
        });
        await checking;
      }
      if (flushError) throw flushError;
      if (status !== "running" || stopWhy) return;
      const item = await next();
      if (!item) return;
      const end = await runItem(deps, batch, action, requester, item);
      buffer.push(end);
      ended++;
      if (end.status === "failed") {
        failed++;
        consecutive++;
      } else consecutive = 0;
      if (consecutive >= consecutiveLimit)
        stopWhy ??= { code: "bulk.stopped", message: `Stopped after ${consecutive} failures in a row.` };
      else if (rateLimit !== null && ended >= MIN_ENDED_FOR_RATE && failed / ended > rateLimit)
        stopWhy ??= {
          code: "bulk.stopped",
          message: `Stopped: ${failed} of ${ended} items failed (more than ${Math.round(rateLimit * 100)}%).`,
        };
      if (buffer.length >= FLUSH_ITEMS || Date.now() - lastFlush > FLUSH_EVERY_MS) handOver();
      await deps.racePoint?.("bulk.after_item");
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, batch.concurrency) }, lane));
  await flush();
  if (stopWhy) {
    const why = stopWhy as { code: string; message: string };
    await stopBatch(deps, batch, why.code, why.message);
    return "stopped";
  }
  if (status !== "running") return status; // paused or cancelled: whoever did it wrote the rest
  const final = await itemCounts(deps.pool, batchId);
  if (final.pending > 0) return "running"; // another workflow of this batch carries on
  const to = final.failed > 0 ? "failed" : "succeeded";
  await inTransaction(deps.pool, async (tx) => {
    const moved = await moveBatch(tx, batchId, ["running"], to);
    if (!moved) return;
    await emitProgress(tx, moved);
    await appendAudit(tx, [
      batchEvent(
        "bulk.finished",
        final.failed > 0 ? "failure" : "success",
        moved,
        { actorId: null, actorKind: null, requestId: batch.request_id },
        { data: { ...final } },
      ),
    ]);
  });
  return to;
}

/** One item: its run through the control layer, waited for until it ends. */
async function runItem(
  deps: RunnerDeps,
  batch: BatchRow,
  action: CompiledAction,
  requester: Principal,
  item: ItemRow,
): Promise<ItemEnd> {
  const key = itemKey(batch.id, item.position);
  let params: Record<string, unknown>;
  try {
    // The raw parameters, opened for this item only (masked at rest, bulk-item-values.ts).
    params = itemParams(action, sealingOf(deps), item);
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error;
    return {
      position: item.position,
      status: "failed",
      runId: null,
      errorCode: error.code,
      errorMessage: scrubText(error.message).slice(0, 1_000),
    };
  }
  const submitted = await deps.control.submit(
    {
      channel: "bulk",
      principal: requester,
      actionName: action.name,
      params,
      idempotencyKey: key,
      reason: batch.reason ?? `Bulk batch ${batch.id}, item ${item.position}`,
      trace: null,
      client: { clientIp: null, userAgent: "airlock-bulk" },
      parentRequestId: batch.request_id,
      coveredBy: batch.approval_request_id ? { approvalRequestId: batch.approval_request_id } : null,
    },
    { waitMs: 10_000 },
  );
  let run: RunRow | null = null;
  if (submitted.kind === "run") run = submitted.run;
  else if (submitted.error.code === "idempotency.in_progress") {
    // Submitted before (a crash before its outcome was written here): follow that run.
    const found = await findKey(deps.pool, requester.id, key);
    run = found ? await getRun(deps.pool, found.run_id) : null;
  } else {
    return {
      position: item.position,
      status: "failed",
      runId: null,
      errorCode: submitted.error.code,
      errorMessage: scrubText(submitted.error.message).slice(0, 1_000),
    };
  }
  while (run && !isFinal(run.status)) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    run = await getRun(deps.pool, run.id);
  }
  if (!run)
    return {
      position: item.position,
      status: "failed",
      runId: null,
      errorCode: "bulk.item_lost",
      errorMessage: "The item's run could not be found.",
    };
  return {
    position: item.position,
    status: run.status === "succeeded" ? "succeeded" : "failed",
    runId: run.id,
    errorCode: run.status === "succeeded" ? null : (run.error_code ?? `run.${run.status}`),
    errorMessage:
      run.status === "succeeded" ? null : scrubText(run.error_message ?? run.status).slice(0, 1_000),
  };
}

/** The batch's approval, if it has one, still holds (hash of the stored items, grants, expiry). */
async function recheck(
  deps: RunnerDeps,
  batch: BatchRow,
  action: CompiledAction,
): Promise<AirlockError | null> {
  if (!batch.approval_request_id) {
    const requester = await loadPrincipal(deps.pool, batch.requester_id);
    if (!requester || !(await deps.approvals.authorizer.can(requester, "run", action)).allowed)
      return new AirlockError(
        "approval.stale",
        "The requester may no longer run this action; nothing more runs.",
      );
    return null;
  }
  return await inTransaction(deps.pool, (tx) =>
    recheckSubjectApproval(tx, deps.approvals, { approvalRequestId: batch.approval_request_id!, action }),
  );
}

async function stopBatch(deps: RunnerDeps, batch: BatchRow, code: string, message: string): Promise<void> {
  await inTransaction(deps.pool, async (tx) => {
    const moved = await moveBatch(tx, batch.id, ["running"], "stopped", { stopReason: message });
    if (!moved) return;
    const skipped = await skipPending(tx, batch.id, code, message);
    await emitProgress(tx, moved);
    await appendAudit(tx, [
      batchEvent(
        "bulk.stopped",
        "failure",
        moved,
        { actorId: null, actorKind: null, requestId: batch.request_id },
        { reason: message, data: { skipped } },
      ),
    ]);
  });
}
