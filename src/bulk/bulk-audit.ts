// A batch's audit events: who started, paused, resumed, cancelled or stopped it, and how it ended.
// Each item's run has its own events (run.requested … run.succeeded) naming the batch's approval.
// Beside them, `bulk.progress` on the events stream: the batch page follows it live.
import type { AuditEventInput, AuditEventType, AuditOutcome } from "../audit/audit-event.ts";
import { emitEvents } from "../events/event-emit.ts";
import type { Queryable } from "../store/queryable.ts";
import { type BatchRow, itemCounts } from "./bulk-store.ts";

/**
 * Announce where the batch stands (its status and counts as `db` sees them): in the transaction
 * that moved it, so the event exists exactly when the move committed.
 */
export async function emitProgress(
  db: Queryable,
  batch: BatchRow,
  /** Known already (the runner counts what it wrote); otherwise counted in SQL. */
  known?: { done: number; failed: number },
): Promise<void> {
  const now = known ?? (await doneCounts(db, batch.id));
  await emitEvents(db, [
    {
      type: "bulk.progress",
      payload: {
        batchId: batch.id,
        action: batch.action,
        requesterId: batch.requester_id,
        status: batch.status,
        done: now.done,
        failed: now.failed,
        total: batch.item_count,
      },
    },
  ]);
}

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

async function doneCounts(db: Queryable, batchId: string): Promise<{ done: number; failed: number }> {
  const counts = await itemCounts(db, batchId);
  return { done: counts.succeeded + counts.failed + counts.skipped, failed: counts.failed };
}
