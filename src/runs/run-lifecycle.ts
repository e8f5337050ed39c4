// The run lifecycle: every status change of a run is one function here. Each does the
// compare-and-set against the transition table (run-status.ts), appends its audit event, counts
// it in the metrics and announces it (events/), all with the caller's transaction, so a change
// never commits without its record and its event. No other module writes a run's status
// (test/runs/run-lifecycle.test.ts holds the code base to that).
//
//   create ─► pending_approval ─approve─► approved ─(owner)─► queued ─start─► running ─finish─► succeeded|failed
//                  └─reject|cancel|expire─► rejected|cancelled|expired       └─fail─► failed (never started / interrupted)
//
// An inline run is written once, in the state its handler ended in (`endInline`): it returns the
// statements for the caller to send pipelined with the rest of its transaction, rather than
// executing them one by one (docs/architecture.md, "A run's path").
//
// When an approval completes, the run goes to its owner (run-owner.ts): the action queue today,
// a runbook step or a bulk batch later. The lifecycle does not decide what "next" means.
import type { AuditEventInput } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { emitEvents, type PendingEvent } from "../events/event-emit.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { type ChangedBy, maskedResult, runEvent, runEventBy } from "./run-audit.ts";
import {
  insertRun,
  maskRunValues,
  replaceRunEnvelopes,
  restartRun,
  sealRawRunValues,
  transitionRun,
  transitionRunOrAbort,
} from "./run-lifecycle-sql.ts";
import type { AfterCommit, RunOwner } from "./run-owner.ts";
import type { NewRun, RunRow } from "./run-store.ts";
import { cannotKeep, storedValue } from "./run-values.ts";

export { isRunMoved, transitionRun } from "./run-lifecycle-sql.ts";

/** What the lifecycle needs besides the transaction. Metrics are optional (tools, tests). */
export interface LifecycleDeps {
  metrics?: Pick<Metrics, "runsFinished" | "runDuration"> | undefined;
  /**
   * The master keys that seal a run's classified values (run-values.ts). Without them (none
   * configured, or a caller that passes none) classified values are stored masked only, never raw.
   */
  keyring?: Keyring | null | undefined;
}

/** How a handler ended (the control layer's HandlerOutcome, structurally). */
export interface RunOutcome {
  status: "succeeded" | "failed";
  result: unknown;
  /** `details` of a downstream failure say whether its outcome is unknown (downstream-error.ts). */
  error: { code: string; message: string; details?: Record<string, unknown> | undefined } | null;
  snapshotBefore: unknown;
  snapshotAfter: unknown;
  durationMs: number;
}

/**
 * Where a change's audit events go: appended right away (default), or into the caller's list,
 * which it appends in order before its COMMIT (an approval decision records its own event first).
 */
export interface AuditInto {
  auditInto?: AuditEventInput[];
}

type FinalStatus = "succeeded" | "failed" | "cancelled" | "rejected" | "expired";

async function record(db: Queryable, events: AuditEventInput[], into: AuditInto): Promise<void> {
  if (into.auditInto) into.auditInto.push(...events);
  else await appendAudit(db, events);
}

/** The events that announce a run's end. */
export function finishedEvents(
  run: Pick<
    RunRow,
    "id" | "action" | "actor_id" | "request_id" | "execution_request_id" | "approval_request_id"
  >,
  status: FinalStatus,
  errorCode: string | null,
): PendingEvent[] {
  const common = {
    runId: run.id,
    action: run.action,
    actorId: run.actor_id,
    errorCode,
    requestId: run.request_id,
    executionRequestId: run.execution_request_id ?? null,
    approvalRequestId: run.approval_request_id,
  };
  const events: PendingEvent[] = [{ type: "run.finished", payload: { ...common, status } }];
  if (status === "failed") events.push({ type: "run.failed", payload: common });
  return events;
}

function count(deps: LifecycleDeps, action: string, status: FinalStatus, durationMs?: number) {
  deps.metrics?.runsFinished.inc({ action, status });
  if (durationMs !== undefined) deps.metrics?.runDuration.observe({ action }, durationMs / 1000);
}

function outcomeData(action: CompiledAction, outcome: RunOutcome, attempt: number) {
  return {
    before: outcome.snapshotBefore,
    after: outcome.snapshotAfter,
    result: outcome.status === "succeeded" ? maskedResult(action, outcome.result) : undefined,
    // The audit event says what the failure was beyond its code (which system, what it answered,
    // whether the outcome is unknown): the run page's "what changed" reads it from here.
    ...(outcome.error?.details ? { error: outcome.error.details } : {}),
    attempt,
    durationMs: Math.round(outcome.durationMs * 100) / 100,
  };
}

/**
 * Create a run held for approval or queued: the INSERT, issued synchronously so the caller can
 * pipeline it with its other statements. Its `run.requested` event is appended by the caller's
 * record step with the other events of the request, in the same transaction.
 */
export function createRun(
  deps: LifecycleDeps,
  db: Queryable,
  input: { action: CompiledAction; run: NewRun; startedHere?: boolean },
): Promise<RunRow> {
  const { action, run } = input;
  // A queued run this process executes at once is created started (control.ts); an inline run
  // is written only once it has ended.
  if (run.status === "running" && !input.startedHere)
    throw new Error("an inline run is written once it ends: use endInline");
  const refused = refusalToKeep(deps, action, run);
  if (refused) return Promise.reject(refused);
  return insertRun(db, { action, keyring: deps.keyring ?? null }, run, undefined, input.startedHere === true);
}

/**
 * Why a run that executes later cannot be created: it needs its raw parameters then (masked ones
 * would run wrong), and PII among them can be kept only sealed, with a master key. Null when it can.
 */
export function refusalToKeep(deps: LifecycleDeps, action: CompiledAction, run: NewRun): AirlockError | null {
  return cannotKeep({ action, keyring: deps.keyring ?? null }, run.params)
    ? new AirlockError("pii.no_master_key")
    : null;
}

/**
 * An inline run ended inside its transaction: the statements that write its row (once, in its
 * final state) and announce it, and its audit event for the caller's batch. `write` issues its
 * queries synchronously (pipelined with the caller's audit append and COMMIT).
 */
export function endInline(
  deps: LifecycleDeps,
  input: {
    action: CompiledAction;
    run: NewRun;
    fields: Parameters<typeof runEvent>[3];
    outcome: RunOutcome;
    client: Partial<AuditEventInput> & { actorKind?: "human" | "service" };
  },
): { write: (db: Queryable) => Promise<RunRow>; event: AuditEventInput } {
  const { action, run, outcome } = input;
  const final = outcome.status;
  const errorCode = outcome.error?.code ?? null;
  const event = runEvent(
    final === "succeeded" ? "run.succeeded" : "run.failed",
    final === "succeeded" ? "success" : "failure",
    action,
    input.fields,
    { ...input.client, errorCode, data: outcomeData(action, outcome, 1) },
  );
  count(deps, action.name, final, outcome.durationMs);
  const write = (db: Queryable) => {
    const inserted = insertRun(db, { action, keyring: deps.keyring ?? null }, run, {
      status: final,
      result: outcome.result,
      errorCode,
      errorMessage: outcome.error?.message ?? null,
      errorDetails: outcome.error?.details ?? null,
      snapshotBefore: outcome.snapshotBefore,
      snapshotAfter: outcome.snapshotAfter,
    });
    const announced = emitEvents(
      db,
      finishedEvents(
        {
          id: run.id,
          action: run.action,
          actor_id: run.actorId,
          request_id: run.requestId,
          execution_request_id: null,
          approval_request_id: run.approvalRequestId,
        },
        final,
        errorCode,
      ),
    );
    return Promise.all([inserted, announced]).then(([row]) => row);
  };
  return { write, event };
}

/**
 * queued → running on a worker, with its audit event: both statements are issued at once, so a
 * caller may send COMMIT behind them without waiting. The move fails the transaction when another
 * delivery started the run first (`isRunMoved`), so the event does not commit either.
 */
export function startRun(db: Queryable, input: { action: CompiledAction; run: RunRow }): Promise<unknown> {
  const { action, run } = input;
  return Promise.all([
    transitionRunOrAbort(db, run.id, "queued", "running"),
    appendAudit(db, [
      runEvent("run.started", "info", action, run, {
        requestId: run.execution_request_id ?? run.request_id,
        data: { attempt: run.attempt + 1 },
      }),
    ]),
  ]);
}

/** A `retry: "safe"` run whose worker died starts its next attempt. False when another did. */
export async function restartSafeRun(
  db: Queryable,
  input: { action: CompiledAction; run: RunRow },
): Promise<boolean> {
  const { action, run } = input;
  if (!(await restartRun(db, run.id, run.attempt))) return false;
  await appendAudit(db, [
    runEvent("run.started", "info", action, run, { data: { attempt: run.attempt + 1, retry: "safe" } }),
  ]);
  return true;
}

/**
 * running → succeeded | failed, with what the handler did, in the transaction of its effects,
 * with its audit event and announcement: every statement is issued at once, so the caller may send
 * COMMIT behind them. When another delivery finished this attempt first, the move fails the
 * transaction (`isRunMoved`): the caller's COMMIT then rolls its effects back. Resolves to the run
 * as it ended.
 */
export function finishRun(
  deps: LifecycleDeps,
  db: Queryable,
  input: { action: CompiledAction; run: RunRow; outcome: RunOutcome; attempt: number; requestId: string },
): Promise<RunRow> {
  const { action, run, outcome } = input;
  const errorCode = outcome.error?.code ?? null;
  const result = storedValue({ action, keyring: deps.keyring ?? null }, run.id, "result", outcome.result);
  const moved = transitionRunOrAbort(db, run.id, "running", outcome.status, {
    result: result.stored,
    resultSealed: result.sealed,
    errorCode,
    errorMessage: outcome.error?.message ?? null,
    errorDetails: outcome.error?.details ?? null,
    snapshotBefore: outcome.snapshotBefore,
    snapshotAfter: outcome.snapshotAfter,
  });
  const recorded = Promise.all([
    appendAudit(db, [
      runEvent(
        outcome.status === "succeeded" ? "run.succeeded" : "run.failed",
        outcome.status === "succeeded" ? "success" : "failure",
        action,
        run,
        {
          requestId: input.requestId,
          parentRequestId: run.execution_request_id ? run.request_id : run.parent_request_id,
          errorCode,
          data: outcomeData(action, outcome, input.attempt),
        },
      ),
    ]),
    emitEvents(db, finishedEvents(run, outcome.status, errorCode)),
  ]);
  return Promise.all([moved, recorded]).then(([changed]) => {
    count(deps, action.name, outcome.status, outcome.durationMs);
    return { ...run, ...changed };
  });
}

/**
 * queued | running → failed without a handler outcome: the action no longer exists, or the run
 * was interrupted (its worker died and the action is not safe to retry). False if it moved first.
 */
export async function failRun(
  deps: LifecycleDeps,
  db: Queryable,
  input: { run: RunRow; action: CompiledAction | null; error: AirlockError; from: "queued" | "running" },
): Promise<boolean> {
  const { run, action, error } = input;
  const moved = await transitionRun(db, run.id, input.from, "failed", {
    errorCode: error.code,
    errorMessage: error.message,
  });
  if (!moved) return false;
  await Promise.all([
    appendAudit(db, [
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
    ]),
    emitEvents(db, finishedEvents(run, "failed", error.code)),
  ]);
  count(deps, run.action, "failed");
  return true;
}

/**
 * pending_approval → approved, with the fresh request ID it will execute under, then handed to
 * its owner (the action queue: approved → queued and a job). Its approval's own event records the
 * decision; the run has no event of its own here. Throws if the run was not pending: the caller
 * holds the approval request's row lock, so that is a broken invariant, never a race.
 */
export async function approveRun(
  db: Queryable,
  input: { run: RunRow; executionRequestId: string; owner: RunOwner },
): Promise<AfterCommit> {
  const { run } = input;
  if (
    !(await transitionRun(db, run.id, "pending_approval", "approved", {
      executionRequestId: input.executionRequestId,
    }))
  )
    throw new Error(`run ${run.id} was not pending_approval while its approval request was pending`);
  return await input.owner.approved(db, {
    ...run,
    status: "approved",
    execution_request_id: input.executionRequestId,
  });
}

/** approved → queued: the action queue's side of a hand-off (run-owner.ts). */
export async function queueApprovedRun(db: Queryable, run: Pick<RunRow, "id">): Promise<void> {
  if (!(await transitionRun(db, run.id, "approved", "queued")))
    throw new Error(`run ${run.id} was not approved when handed to its queue`);
}

const ENDED_BY_APPROVAL = {
  rejected: { type: "run.rejected", outcome: "denied" },
  cancelled: { type: "run.cancelled", outcome: "info" },
  expired: { type: "run.expired", outcome: "failure" },
} as const;

/**
 * pending_approval → rejected | cancelled | expired: the run's approval ended without approval.
 * Rejected and cancelled throw if the run was not pending (the caller holds the request's lock);
 * expired returns false, as the sweeper and a decision may both find the request due.
 */
export async function endUnapproved(
  deps: LifecycleDeps,
  db: Queryable,
  input: {
    to: "rejected" | "cancelled" | "expired";
    run: RunRow;
    action: CompiledAction | null;
    by: ChangedBy;
    reason?: string | null;
    data?: unknown;
  } & AuditInto,
): Promise<boolean> {
  const { run, to } = input;
  const errorCode = to === "expired" ? "approval.expired" : null;
  const moved = await transitionRun(
    db,
    run.id,
    "pending_approval",
    to,
    to === "expired"
      ? { errorCode, errorMessage: "The approval request expired before it was decided." }
      : {},
  );
  if (!moved) {
    if (to === "expired") return false;
    throw new Error(`run ${run.id} was not pending_approval while its approval request was pending`);
  }
  const { type, outcome } = ENDED_BY_APPROVAL[to];
  await Promise.all([
    record(
      db,
      [
        runEventBy(type, outcome, input.action, run, input.by, {
          reason: input.reason ?? null,
          errorCode,
          ...(input.data === undefined ? {} : { data: input.data }),
        }),
      ],
      input,
    ),
    emitEvents(db, finishedEvents(run, to, errorCode)),
  ]);
  count(deps, run.action, to);
  return true;
}

/**
 * Retention: a finished run's raw parameters and result are replaced by their masked form. Not a
 * status change (no event, no audit of its own: the purge job audits its batch), but a write of
 * the run's row, so it lives here with the others.
 */
export function purgeRunPii(db: Queryable, id: string, params: unknown, result: unknown): Promise<boolean> {
  return maskRunValues(db, id, params, result);
}

/**
 * Encryption at rest, not status changes: a run's envelopes re-wrapped under the current master
 * key (rotation), and a row written before encryption at rest sealed (maintenance). Both are
 * compare-and-sets that lose quietly to any concurrent write of the same values.
 */
export { replaceRunEnvelopes, sealRawRunValues };
