// A run's row: its shape, and reading it. Writing it is the run lifecycle's alone
// (run-lifecycle.ts, over the statements in run-lifecycle-sql.ts).
import type { Queryable } from "../store/queryable.ts";
import type { RunStatus } from "./run-status.ts";

export interface RunRow {
  id: string;
  action: string;
  action_version: string;
  status: RunStatus;
  actor_id: string;
  on_behalf_of: string | null;
  channel: string;
  target_type: string | null;
  target_id: string | null;
  params: Record<string, unknown>;
  params_hash: string;
  reason: string | null;
  result: unknown;
  error_code: string | null;
  error_message: string | null;
  /** What the error says beyond its code (downstream failures: resource, status, outcome unknown). */
  error_details: Record<string, unknown> | null;
  request_id: string;
  parent_request_id: string | null;
  idempotency_key: string | null;
  attempt: number;
  snapshot_before: unknown;
  snapshot_after: unknown;
  authorized_by: unknown;
  approval_request_id: string | null;
  execution_request_id: string | null;
  pii_purged_at: Date | null;
  /** Raw values, encrypted (run-values.ts); null when nothing is classified. */
  params_sealed: Buffer | null;
  result_sealed: Buffer | null;
  /** False only for rows written before encryption at rest (raw values until sealed). */
  values_masked: boolean;
  created_at: Date;
  queued_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface NewRun {
  id: string;
  action: string;
  actionVersion: string;
  status: RunStatus;
  actorId: string;
  onBehalfOf: string | null;
  channel: string;
  targetType: string | null;
  targetId: string | null;
  params: unknown;
  paramsHash: string;
  reason: string | null;
  requestId: string;
  parentRequestId: string | null;
  idempotencyKey: string | null;
  authorizedBy: unknown;
  approvalRequestId: string | null;
}

/** How an inline run ended: written with the run's row, which is then inserted only once. */
export interface InlineEnd {
  status: "succeeded" | "failed";
  result: unknown;
  errorCode: string | null;
  errorMessage: string | null;
  errorDetails?: Record<string, unknown> | null;
  snapshotBefore: unknown;
  snapshotAfter: unknown;
}

/** The run's fields its audit events carry, before its row exists (an inline run's handler). */
export function runFields(
  run: NewRun,
): Pick<
  RunRow,
  | "id"
  | "actor_id"
  | "on_behalf_of"
  | "target_type"
  | "target_id"
  | "params"
  | "request_id"
  | "parent_request_id"
  | "idempotency_key"
  | "reason"
  | "approval_request_id"
> {
  return {
    id: run.id,
    actor_id: run.actorId,
    on_behalf_of: run.onBehalfOf,
    target_type: run.targetType,
    target_id: run.targetId,
    params: run.params as Record<string, unknown>,
    request_id: run.requestId,
    parent_request_id: run.parentRequestId,
    idempotency_key: run.idempotencyKey,
    reason: run.reason,
    approval_request_id: run.approvalRequestId,
  };
}

export async function getRun(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<RunRow | null> {
  const result = await db.query(
    `SELECT * FROM airlock.runs WHERE id = $1${options.forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return (result.rows[0] as RunRow | undefined) ?? null;
}
