// The batch as an approval subject (kind `bulk`). The payload is the batch's item set: its hash is
// computed again from the stored items, so an item added, removed or changed after the preview
// makes the approval stale. The rules every kind gets hold here too (no self-approval, quorum of
// distinct humans, approvers hold `approve` on the action). Approval starts the batch; rejection,
// cancellation or expiry ends it with every item skipped. A batch waiting for its approval is
// listed in the approvals inbox beside runs, for whoever holds `approve` on its action.
import type { ApprovalSubjectKind, SubjectChange } from "../approval/approval-subject.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { KEYED_HASH_PREFIX } from "../runs/params-hash.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { batchEvent, emitProgress } from "./bulk-audit.ts";
import { itemSetHash } from "./bulk-item-set.ts";
import { getBatch, moveBatch, skipPending } from "./bulk-store.ts";

export const BULK_SUBJECT = "bulk";

/**
 * The hash of the items as stored now (every item, in position order), in the scheme of the
 * batch's own hash: keyed (over each item's keyed hash) for an action with classified parameters.
 */
export async function storedItemSetHash(
  db: Queryable,
  batchId: string,
  paramsHashKey: Buffer | null,
): Promise<string | null> {
  const batch = await getBatch(db, batchId);
  if (!batch) return null;
  const keyed = batch.item_set_hash.startsWith(KEYED_HASH_PREFIX);
  if (keyed && !paramsHashKey) return null;
  const items = await db.query<{ params: unknown; paramsHash: string }>(
    `SELECT ${keyed ? "NULL AS params" : "params"}, params_hash AS "paramsHash"
       FROM airlock.bulk_items WHERE batch_id = $1 ORDER BY position`,
    [batchId],
  );
  return itemSetHash(
    { name: batch.action, version: batch.action_version },
    items.rows,
    keyed ? paramsHashKey : null,
  );
}

export function bulkSubjectKind(deps: {
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  paramsHashKey: Buffer | null;
  /** After the approval commits: start the batch's workflow. */
  started: (batchId: string, generation: number) => void;
}): ApprovalSubjectKind {
  const end = (to: "rejected" | "cancelled" | "expired") => async (db: Queryable, change: SubjectChange) => {
    const batch = await moveBatch(db, change.request.subject_id, ["pending_approval"], to);
    if (!batch) return; // already moved (the sweeper and a decision both saw it due)
    await skipPending(db, batch.id, `batch.${to}`, `The batch's approval request was ${to}.`);
    await emitProgress(db, batch);
  };
  return {
    kind: BULK_SUBJECT,
    async load(db, request) {
      return (await getBatch(db, request.subject_id)) ? { onBehalfOf: null, run: null } : null;
    },
    async payloadHash(db, request) {
      return await storedItemSetHash(db, request.subject_id, deps.paramsHashKey);
    },
    async onApproved(db, change) {
      if (
        (await storedItemSetHash(db, change.request.subject_id, deps.paramsHashKey)) !==
        change.request.params_hash
      )
        throw new AirlockError(
          "approval.stale",
          "The batch's items differ from the ones previewed; nothing was approved or run.",
        );
      const batch = await moveBatch(db, change.request.subject_id, ["pending_approval"], "running");
      if (!batch) throw new Error(`batch ${change.request.subject_id} is not pending under its approval`);
      await emitProgress(db, batch);
      change.auditInto.push(
        batchEvent(
          "bulk.started",
          "info",
          batch,
          {
            actorId: change.by.actorId,
            actorKind: change.by.actorKind,
            requestId: change.executionRequestId,
          },
          { data: { via: "approval" } },
        ),
      );
      return () => deps.started(batch.id, batch.generation);
    },
    onRejected: end("rejected"),
    onCancelled: end("cancelled"),
    onExpired: end("expired"),
    // The inbox's SQL adds the rest, as for runs: among a policy's reviewers, not the starter,
    // not yet decided. The batch is decided on its own page (`/bulk/:id`) or at links.approve.
    inbox: {
      async approvable(principal) {
        const names: string[] = [];
        for (const action of deps.workspace.actions.values())
          if (action.definition.bulk && (await deps.authorizer.can(principal, "approve", action)).allowed)
            names.push(action.name);
        return names;
      },
      item(request) {
        const batch = `/api/v1/bulk/${encodeURIComponent(request.subject_id)}`;
        return {
          title: deps.workspace.actions.get(request.action)?.title ?? null,
          fields: { batchId: request.subject_id },
          links: { batch, approve: `${batch}/approve`, reject: `${batch}/reject` },
        };
      },
    },
  };
}
