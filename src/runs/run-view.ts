// How a run is shown outside: parameters and result masked by the action's classification,
// whatever the viewer's rights (revealing is a separate, audited request).
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { maskedParams, maskedResult } from "./run-audit.ts";
import type { RunRow } from "./run-store.ts";

export interface RunView {
  id: string;
  action: string;
  actionVersion: string;
  status: string;
  actorId: string;
  onBehalfOf: string | null;
  channel: string;
  target: { type: string; id: string } | null;
  params: unknown;
  reason: string | null;
  result: unknown;
  error: {
    code: string;
    message: string;
    details?: Record<string, unknown>;
    /** A call to another system may have taken effect: retry only with `details.idempotencyKey`. */
    outcomeUnknown?: true;
  } | null;
  requestId: string;
  executionRequestId: string | null;
  parentRequestId: string | null;
  idempotencyKey: string | null;
  approvalRequestId: string | null;
  attempt: number;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  links: { self: string };
}

export function runView(workspace: CompiledWorkspace, run: RunRow): RunView {
  const action = workspace.actions.get(run.action);
  return {
    id: run.id,
    action: run.action,
    actionVersion: run.action_version,
    status: run.status,
    actorId: run.actor_id,
    onBehalfOf: run.on_behalf_of,
    channel: run.channel,
    target: run.target_type && run.target_id ? { type: run.target_type, id: run.target_id } : null,
    // A retired action's classification is unknown: show nothing rather than raw values.
    params: action ? maskedParams(action, run.params) : null,
    reason: run.reason,
    result:
      run.result === null || run.result === undefined
        ? null
        : action
          ? maskedResult(action, run.result)
          : null,
    error: run.error_code
      ? {
          code: run.error_code,
          message: run.error_message ?? "",
          ...(run.error_details ? { details: run.error_details } : {}),
          ...(run.error_details?.outcomeUnknown === true ? { outcomeUnknown: true as const } : {}),
        }
      : null,
    requestId: run.request_id,
    executionRequestId: run.execution_request_id ?? null,
    parentRequestId: run.parent_request_id,
    idempotencyKey: run.idempotency_key?.startsWith("auto:") ? null : run.idempotency_key,
    approvalRequestId: run.approval_request_id,
    attempt: run.attempt,
    createdAt: iso(run.created_at)!,
    queuedAt: iso(run.queued_at),
    startedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
    links: { self: `/api/v1/runs/${run.id}` },
  };
}

function iso(value: Date | string | null | undefined): string | null {
  if (!value) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
