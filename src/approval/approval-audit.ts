// Audit events about approval requests, built in one place. They carry the run's fields (masked
// parameters, target, idempotency key) like every run event, but the actor is whoever acted on
// the request (a reviewer, the requester cancelling, or nobody for the expiry sweeper), and the
// request ID is that of the deciding request, linked to the run's original one.
import type { AuditEventInput, AuditEventType, AuditOutcome, ClientInfo } from "../audit/audit-event.ts";
import type { Principal } from "../identity/principal.ts";
import { runEvent } from "../runs/run-audit.ts";
import type { RunRow } from "../runs/run-store.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { ApprovalRequestRow } from "./approval-store.ts";

export interface ApprovalEventContext {
  action: CompiledAction | null;
  request: Pick<
    ApprovalRequestRow,
    "id" | "action" | "action_version" | "run_id" | "subject_kind" | "subject_id"
  >;
  run: RunRow | null;
  /** Null for the system (the expiry sweeper). */
  actor: Principal | null;
  requestId: string | null;
  client?: ClientInfo;
}

export function approvalEvent(
  type: AuditEventType,
  outcome: AuditOutcome,
  ctx: ApprovalEventContext,
  extra: { reason?: string | null; errorCode?: string | null; data?: unknown } = {},
): AuditEventInput {
  const who = {
    actorId: ctx.actor?.id ?? null,
    actorKind: ctx.actor?.kind ?? null,
    onBehalfOf: null,
    requestId: ctx.requestId,
    parentRequestId: ctx.run?.request_id ?? null,
    clientIp: ctx.client?.clientIp ?? null,
    userAgent: ctx.client?.userAgent ?? null,
    reason: extra.reason ?? null,
    errorCode: extra.errorCode ?? null,
    ...(extra.data === undefined && ctx.request.subject_kind === "run"
      ? {}
      : { data: withSubject(ctx, extra.data) }),
  };
  if (ctx.action && ctx.run) return { ...runEvent(type, outcome, ctx.action, ctx.run), ...who };
  // A retired action: its classification is unknown, so no parameters at all.
  return {
    type,
    outcome,
    action: ctx.request.action,
    actionVersion: ctx.request.action_version,
    runId: ctx.request.run_id,
    approvalRequestId: ctx.request.id,
    ...who,
  };
}

/** Requests for other subjects than runs name their subject in the event's data. */
function withSubject(ctx: ApprovalEventContext, data: unknown): unknown {
  if (ctx.request.subject_kind === "run") return data;
  const subject = { kind: ctx.request.subject_kind, id: ctx.request.subject_id };
  return data && typeof data === "object" ? { ...data, subject } : { subject };
}
