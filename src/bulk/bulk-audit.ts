// A batch's audit events: who started, paused, resumed, cancelled or stopped it, and how it ended.
// Each item's run has its own events (run.requested … run.succeeded) naming the batch's approval.
import type { AuditEventInput, AuditEventType, AuditOutcome } from "../audit/audit-event.ts";
import type { BatchRow } from "./bulk-store.ts";

export function batchEvent(
  type: Extract<AuditEventType, `bulk.${string}`>,
  outcome: AuditOutcome,
  batch: BatchRow,
  who: { actorId: string | null; actorKind: "human" | "service" | null; requestId: string },
  extra: { reason?: string | null; data?: Record<string, unknown> } = {},
): AuditEventInput {
  return {
    type,
    outcome,
    actorId: who.actorId,
    actorKind: who.actorKind,
    action: batch.action,
    actionVersion: batch.action_version,
    targetType: "bulk_batch",
    targetId: batch.id,
    approvalRequestId: batch.approval_request_id,
    requestId: who.requestId,
    parentRequestId: batch.request_id === who.requestId ? null : batch.request_id,
    reason: extra.reason ?? null,
    data: { items: batch.item_count, itemSetHash: batch.item_set_hash, ...extra.data },
  };
}
