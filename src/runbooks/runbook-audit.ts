// Audit events of runbook runs. A runbook's action steps have their own run events (written by
// the control layer); these record the runbook's own life: started, a human step answered (who
// and what), cancelled (who and why), retried, and its end.
import type { AuditEventInput, AuditEventType, AuditOutcome } from "../audit/audit-event.ts";

export function runbookEvent(
  type: AuditEventType,
  outcome: AuditOutcome,
  run: { id: string; runbook: string; version: string; requestId: string },
  by: { id: string; kind: "human" | "service" } | null,
  extra: { reason?: string | null; errorCode?: string | null; data?: unknown; params?: unknown } = {},
): AuditEventInput {
  return {
    type,
    outcome,
    actorId: by?.id ?? null,
    actorKind: by?.kind ?? null,
    action: run.runbook,
    actionVersion: run.version,
    targetType: "runbook_run",
    targetId: run.id,
    requestId: run.requestId,
    reason: extra.reason ?? null,
    errorCode: extra.errorCode ?? null,
    params: extra.params,
    data: extra.data,
  };
}
