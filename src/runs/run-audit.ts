// Audit events about runs, built in one place so every path (inline, worker, approval) records
// the same fields. Parameters and snapshots are masked here; raw PII never reaches the audit.
import type { AuditEventInput, AuditEventType, AuditOutcome } from "../audit/audit-event.ts";
import { maskFields, scrubDeep } from "../pii/mask.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { RunRow } from "./run-store.ts";

export function maskedParams(action: CompiledAction, params: unknown): unknown {
  return scrubDeep(maskFields(params, action.piiParams));
}

export function maskedResult(action: CompiledAction, result: unknown): unknown {
  return scrubDeep(maskFields(result, action.piiOutput));
}

export function runEvent(
  type: AuditEventType,
  outcome: AuditOutcome,
  action: CompiledAction,
  run: Pick<
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
  >,
  extra: Partial<AuditEventInput> & { actorKind?: "human" | "service" } = {},
): AuditEventInput {
  return {
    type,
    outcome,
    actorId: run.actor_id,
    onBehalfOf: run.on_behalf_of,
    action: action.name,
    actionVersion: action.version,
    targetType: run.target_type,
    targetId: run.target_id,
    runId: run.id,
    approvalRequestId: run.approval_request_id,
    requestId: run.request_id,
    parentRequestId: run.parent_request_id,
    idempotencyKey: run.idempotency_key,
    reason: run.reason,
    params: maskedParams(action, run.params),
    ...extra,
  };
}

/** Who made a run's status change, when that is not the run's own actor (a reviewer, the sweeper). */
export interface ChangedBy {
  /** Null for the system (the expiry sweeper). */
  actorId: string | null;
  actorKind: "human" | "service" | null;
  /** The deciding request's ID; the run's own request ID becomes its parent. */
  requestId: string | null;
  clientIp?: string | null;
  userAgent?: string | null;
}

/**
 * An event about a run, made by someone other than its actor. A retired action's classification
 * is unknown, so then the event carries no parameters at all.
 */
export function runEventBy(
  type: AuditEventType,
  outcome: AuditOutcome,
  action: CompiledAction | null,
  run: RunRow,
  by: ChangedBy,
  extra: { reason?: string | null; errorCode?: string | null; data?: unknown } = {},
): AuditEventInput {
  const who = {
    actorId: by.actorId,
    actorKind: by.actorKind,
    onBehalfOf: null,
    requestId: by.requestId,
    parentRequestId: run.request_id,
    clientIp: by.clientIp ?? null,
    userAgent: by.userAgent ?? null,
    reason: extra.reason ?? null,
    errorCode: extra.errorCode ?? null,
    ...(extra.data === undefined ? {} : { data: extra.data }),
  };
  if (action) return { ...runEvent(type, outcome, action, run), ...who };
  return {
    type,
    outcome,
    action: run.action,
    actionVersion: run.action_version,
    runId: run.id,
    approvalRequestId: run.approval_request_id,
    ...who,
  };
}
