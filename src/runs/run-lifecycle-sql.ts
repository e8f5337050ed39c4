// The only SQL that writes a run's row (besides masking expired PII, pii-retention.ts, which
// never touches a status). Called by the lifecycle (run-lifecycle.ts), never directly: a status
// change here without its audit event and its announcement would break the lifecycle's promise.
// `transitionRun` checks the transition table and moves the row with a compare-and-set
// (`WHERE status = $from`), so two racing callers cannot both win; the loser sees `false`.

import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import { canTransition, INITIAL_STATUSES, type RunStatus } from "./run-status.ts";
import type { InlineEnd, NewRun, RunRow } from "./run-store.ts";
import { type RunSealing, storedValue } from "./run-values.ts";

// Named, so each connection parses and plans it once (the plan was a third of its cost).
const INSERT_RUN = `INSERT INTO airlock.runs (id, action, action_version, status, actor_id, on_behalf_of, channel, target_type, target_id,
       params, params_hash, reason, request_id, parent_request_id, idempotency_key, authorized_by, approval_request_id,
       result, error_code, error_message, snapshot_before, snapshot_after, params_sealed, result_sealed,
       queued_at, started_at, finished_at, attempt, error_details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::json, $11, $12, $13, $14, $15, $16::jsonb, $17,
       $18::json, $19, $20, $21::json, $22::json, $23, $24,
       CASE WHEN $4 = 'queued' OR $26 THEN now() END,
       CASE WHEN $4 IN ('running', 'succeeded', 'failed') THEN now() END,
       CASE WHEN $4 IN ('succeeded', 'failed') THEN clock_timestamp() END,
       CASE WHEN $4 IN ('running', 'succeeded', 'failed') THEN 1 ELSE 0 END, $25::jsonb)
     RETURNING created_at, queued_at, started_at, finished_at, updated_at`;

/**
 * Create a run in one of its initial statuses, or — for an inline run, whose handler ran in this
 * same transaction before the row was written — directly in the status it ended in (`ended`):
 * `running → succeeded/failed` happens inside one transaction, so no one could ever see the
 * intermediate row, and writing it once saves an UPDATE of every index on `runs`.
 * `started_at` is the transaction's start (before the handler), `finished_at` the clock now.
 */
export async function insertRun(
  db: Queryable,
  sealing: RunSealing,
  run: NewRun,
  ended?: InlineEnd,
  /** A queued run started by the transaction that creates it (`running`): it was queued too. */
  startedQueued = false,
): Promise<RunRow> {
  if (ended ? !canTransition("running", ended.status) : !INITIAL_STATUSES.includes(run.status))
    throw new Error(`a run cannot start in status ${ended?.status ?? run.status}`);
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
  const status = ended?.status ?? run.status;
  // Classified fields are written masked, their raw values sealed (run-values.ts).
  const params = storedValue(sealing, run.id, "params", run.params);
  const outcome = storedValue(sealing, run.id, "result", ended?.result);
  const storedParams = JSON.stringify(params.stored);
  const authorizedBy = JSON.stringify(run.authorizedBy ?? null);
  const result = json(outcome.stored);
  const snapshotBefore = json(ended?.snapshotBefore);
  const snapshotAfter = json(ended?.snapshotAfter);
  const inserted = await db.query<
    Pick<RunRow, "created_at" | "queued_at" | "started_at" | "finished_at" | "updated_at">
  >({
    name: "airlock.insert_run",
    text: INSERT_RUN,
    values: [
      run.id,
      run.action,
      run.actionVersion,
      status,
      run.actorId,
      run.onBehalfOf,
      run.channel,
      run.targetType,
      run.targetId,
      storedParams,
      run.paramsHash,
      run.reason,
      run.requestId,
      run.parentRequestId,
      run.idempotencyKey,
      authorizedBy,
      run.approvalRequestId,
      result,
      ended?.errorCode ?? null,
      ended?.errorMessage ?? null,
      snapshotBefore,
      snapshotAfter,
      params.sealed,
      outcome.sealed,
      json(ended?.errorDetails ?? undefined),
      startedQueued,
    ],
  });
  // Only the columns the database makes come back (their times); the rest is what was sent,
  // read back from the same JSON text the database stored (as `RETURNING *` would have). pg's
  // result parsing, which these 30 columns led, was ≈ 19% of the server's CPU per inline action.
  const parsed = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));
  return {
    id: run.id,
    action: run.action,
    action_version: run.actionVersion,
    status,
    actor_id: run.actorId,
    on_behalf_of: run.onBehalfOf,
    channel: run.channel,
    target_type: run.targetType,
    target_id: run.targetId,
    params: JSON.parse(storedParams) as Record<string, unknown>,
    params_hash: run.paramsHash,
    reason: run.reason,
    result: parsed(result),
    error_code: ended?.errorCode ?? null,
    error_message: ended?.errorMessage ?? null,
    error_details: ended?.errorDetails ?? null,
    request_id: run.requestId,
    parent_request_id: run.parentRequestId,
    idempotency_key: run.idempotencyKey,
    attempt: status === "running" || status === "succeeded" || status === "failed" ? 1 : 0,
    snapshot_before: parsed(snapshotBefore),
    snapshot_after: parsed(snapshotAfter),
    authorized_by: JSON.parse(authorizedBy) as unknown,
    approval_request_id: run.approvalRequestId,
    execution_request_id: null,
    pii_purged_at: null,
    params_sealed: params.sealed,
    result_sealed: outcome.sealed,
    values_masked: true,
    ...inserted.rows[0]!,
  };
}

export interface RunPatch {
  /** The result as stored: classified fields masked (run-values.ts), with `resultSealed`. */
  result?: unknown;
  resultSealed?: Buffer | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  /** Set together with errorCode. */
  errorDetails?: Record<string, unknown> | null;
  snapshotBefore?: unknown;
  snapshotAfter?: unknown;
  approvalRequestId?: string;
  /** Set when an approved run gets its own request ID for the execution. */
  executionRequestId?: string;
}

const TRANSITION = `UPDATE airlock.runs SET
       status = $3,
       updated_at = now(),
       queued_at = CASE WHEN $3 = 'queued' THEN now() ELSE queued_at END,
       started_at = CASE WHEN $3 = 'running' THEN now() ELSE started_at END,
       attempt = CASE WHEN $3 = 'running' THEN attempt + 1 ELSE attempt END,
       finished_at = CASE WHEN $3 IN ('succeeded', 'failed', 'rejected', 'expired', 'cancelled') THEN now() ELSE finished_at END,
       result = CASE WHEN $4::boolean THEN $5::json ELSE result END,
       result_sealed = CASE WHEN $4::boolean THEN $15::bytea ELSE result_sealed END,
       error_code = CASE WHEN $6::boolean THEN $7 ELSE error_code END,
       error_message = CASE WHEN $6::boolean THEN $8 ELSE error_message END,
       snapshot_before = CASE WHEN $9::boolean THEN $10::json ELSE snapshot_before END,
       snapshot_after = CASE WHEN $11::boolean THEN $12::json ELSE snapshot_after END,
       approval_request_id = COALESCE($13, approval_request_id),
       execution_request_id = COALESCE($14, execution_request_id),
       error_details = CASE WHEN $6::boolean THEN $16::jsonb ELSE error_details END
     WHERE id = $1 AND status = $2`;

function transitionValues(id: string, from: RunStatus, to: RunStatus, patch: RunPatch): unknown[] {
  if (!canTransition(from, to)) {
    throw new AirlockError("run.invalid_transition", `A run cannot move from ${from} to ${to}.`);
  }
  return [
    id,
    from,
    to,
    patch.result !== undefined,
    patch.result === undefined ? null : JSON.stringify(patch.result),
    patch.errorCode !== undefined,
    patch.errorCode ?? null,
    patch.errorMessage ?? null,
    patch.snapshotBefore !== undefined,
    patch.snapshotBefore === undefined ? null : JSON.stringify(patch.snapshotBefore),
    patch.snapshotAfter !== undefined,
    patch.snapshotAfter === undefined ? null : JSON.stringify(patch.snapshotAfter),
    patch.approvalRequestId ?? null,
    patch.executionRequestId ?? null,
    patch.resultSealed ?? null,
    patch.errorDetails ? JSON.stringify(patch.errorDetails) : null,
  ];
}

/**
 * Move a run from `from` to `to` if, and only if, it is still in `from`. Returns false when
 * another caller moved it first. An illegal transition is a bug and throws.
 */
export async function transitionRun(
  db: Queryable,
  id: string,
  from: RunStatus,
  to: RunStatus,
  patch: RunPatch = {},
): Promise<boolean> {
  const result = await db.query({
    name: "airlock.transition_run",
    text: TRANSITION,
    values: transitionValues(id, from, to, patch),
  });
  return (result as { rowCount?: number | null }).rowCount === 1;
}

/**
 * The same move for a caller that sends what follows it without waiting for its answer: when the
 * run is no longer in `from`, the statement fails its transaction (`isRunMoved` tells that error),
 * so nothing sent behind it commits. Resolves to the columns as moved.
 */
export async function transitionRunOrAbort(
  db: Queryable,
  id: string,
  from: RunStatus,
  to: RunStatus,
  patch: RunPatch = {},
): Promise<Pick<RunRow, MovedColumn>> {
  // The count is taken over the UPDATE's rows in the outer query, so the check runs (once) even
  // when nothing moved; the LEFT JOIN then returns what the move changed. Named, so its columns
  // are listed (a prepared `*` fails once a migration adds a column).
  const result = await db.query({
    name: "airlock.transition_run_or_abort",
    text: `WITH moved AS (${TRANSITION} RETURNING ${MOVED_COLUMNS})
      SELECT m.* FROM (SELECT airlock.require_row(count(*), 'another delivery moved the run first', 'airlock:run_moved')
                         FROM moved) checked
      LEFT JOIN moved m ON true`,
    values: transitionValues(id, from, to, patch),
  });
  return result.rows[0] as Pick<RunRow, MovedColumn>;
}

/** Every column a transition may change. */
const MOVED = [
  "status",
  "updated_at",
  "queued_at",
  "started_at",
  "attempt",
  "finished_at",
  "result",
  "result_sealed",
  "error_code",
  "error_message",
  "snapshot_before",
  "snapshot_after",
  "approval_request_id",
  "execution_request_id",
  "error_details",
] as const;
type MovedColumn = (typeof MOVED)[number];
const MOVED_COLUMNS = MOVED.join(", ");

/** The error `transitionRunOrAbort` fails with when the run was not in `from` (migration 0182). */
export function isRunMoved(error: unknown): boolean {
  return (error as { hint?: string } | null)?.hint === "airlock:run_moved";
}

/**
 * A run declared `retry: "safe"` whose worker died starts again: the same status (`running`), the
 * next attempt. Compare-and-set on the attempt, so two redeliveries cannot both restart it.
 */
export async function restartRun(db: Queryable, id: string, attempt: number): Promise<boolean> {
  const result = await db.query(
    "UPDATE airlock.runs SET attempt = attempt + 1, started_at = now(), updated_at = now() WHERE id = $1 AND status = 'running' AND attempt = $2",
    [id, attempt],
  );
  return result.rowCount === 1;
}

/** Replaces a finished run's raw values by their masked form, once (retention; never a status). */
export async function maskRunValues(
  db: Queryable,
  id: string,
  params: unknown,
  result: unknown,
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE airlock.runs SET params = $2::json, result = $3::json, params_sealed = NULL, result_sealed = NULL,
            values_masked = true, pii_purged_at = now()
      WHERE id = $1 AND pii_purged_at IS NULL`,
    [id, JSON.stringify(params), JSON.stringify(result)],
  );
  return updated.rowCount === 1;
}

/**
 * Master key rotation: a run's envelopes with their data keys re-wrapped (same ciphertext).
 * Compare-and-set on the old envelopes, so a concurrent purge or finish is never overwritten.
 */
export async function replaceRunEnvelopes(
  db: Queryable,
  id: string,
  before: { params: Buffer | null; result: Buffer | null },
  after: { params: Buffer | null; result: Buffer | null },
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE airlock.runs SET result_sealed = $4, params_sealed = $5
      WHERE id = $1 AND params_sealed IS NOT DISTINCT FROM $2 AND result_sealed IS NOT DISTINCT FROM $3`,
    [id, before.params, before.result, after.result, after.params],
  );
  return updated.rowCount === 1;
}

/**
 * A row written before encryption at rest: its raw values replaced by masked ones, sealed beside
 * them (not a status change). Only while it is still unsealed and not purged.
 */
export async function sealRawRunValues(
  db: Queryable,
  sealing: RunSealing,
  run: Pick<RunRow, "id" | "params" | "result">,
): Promise<boolean> {
  const params = storedValue(sealing, run.id, "params", run.params);
  const result = storedValue(sealing, run.id, "result", run.result);
  const updated = await db.query(
    `UPDATE airlock.runs SET result = $3::json, result_sealed = $5, params = $2::json, params_sealed = $4, values_masked = true
      WHERE id = $1 AND values_masked = false AND pii_purged_at IS NULL`,
    [
      run.id,
      JSON.stringify(params.stored),
      run.result === null || run.result === undefined ? null : JSON.stringify(result.stored),
      params.sealed,
      result.sealed,
    ],
  );
  return updated.rowCount === 1;
}
