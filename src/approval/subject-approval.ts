// Asking for approval of a subject of any kind, and re-checking that approval when the subject
// is acted on. A run's request is made by the control pipeline, inside the run's own transaction
// (control/stages/execute.ts), and re-checked by the worker; other kinds (runbook steps, bulk
// batches) use these two functions, so the same rules hold for every kind: the approval binds to
// the payload's hash, it must still be approved and unexpired, every approver must still hold
// `approve` on the governing action and the requester `run`.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { approvalEvent } from "./approval-audit.ts";
import type { ApprovalDeps } from "./approval-deps.ts";
import {
  approversOf,
  createApprovalRequest,
  getApprovalRequest,
  type PolicySnapshot,
} from "./approval-store.ts";

export interface SubjectApprovalInput {
  kind: string;
  subjectId: string;
  /** The action whose `approve` grant reviewers must hold (and whose `run` the requester must). */
  action: CompiledAction;
  requester: Principal;
  /** The hash of what is approved; re-checked against the subject's payload at execution. */
  payloadHash: string;
  reason: string | null;
  policies: PolicySnapshot[];
  expiresInMs: number;
  requestId: string;
}

/** Create a pending request for a subject, with its audit event, in its own transaction. */
export async function requestSubjectApproval(
  deps: Pick<ApprovalDeps, "pool" | "subjects" | "outbox">,
  input: SubjectApprovalInput,
): Promise<{ id: string; expiresAt: Date }> {
  deps.subjects.get(input.kind); // an unknown kind is a bug: refuse before writing anything
  if (input.kind === "run") throw new Error("a run's approval is requested by the control pipeline");
  const id = newId("apr");
  const created = await inTransaction(deps.pool, async (tx) => {
    const made = await createApprovalRequest(tx, {
      id,
      subject: { kind: input.kind, id: input.subjectId },
      action: input.action.name,
      actionVersion: input.action.version,
      requesterId: input.requester.id,
      paramsHash: input.payloadHash,
      reason: input.reason,
      policies: input.policies,
      expiresInMs: input.expiresInMs,
      requestId: input.requestId,
    });
    const request = {
      id,
      action: input.action.name,
      action_version: input.action.version,
      run_id: null,
      subject_kind: input.kind,
      subject_id: input.subjectId,
    };
    await appendAudit(tx, [
      approvalEvent(
        "approval.requested",
        "pending",
        {
          action: input.action,
          request,
          run: null,
          actor: input.requester,
          requestId: input.requestId,
        },
        {
          reason: input.reason,
          data: { expiresAt: made.expiresAt, policies: input.policies },
        },
      ),
    ]);
    return made;
  });
  deps.outbox.nudge();
  return created;
}

/**
 * In the transaction that acts on an approved subject: null if the approval still holds, else
 * why not (`approval.expired`, `approval.stale`). Locks the request row, so it is read once.
 */
export async function recheckSubjectApproval(
  tx: pg.PoolClient,
  deps: Pick<ApprovalDeps, "subjects" | "authorizer">,
  input: { approvalRequestId: string; action: CompiledAction },
): Promise<AirlockError | null> {
  const request = await getApprovalRequest(tx, input.approvalRequestId, { forUpdate: true });
  if (request?.status !== "approved") return stale("the request is no longer approved");
  const now = await tx.query<{ expired: boolean }>("SELECT $1::timestamptz <= now() AS expired", [
    request.expires_at,
  ]);
  if (now.rows[0]!.expired)
    return new AirlockError(
      "approval.expired",
      "The approval expired before it was acted on; nothing was executed.",
    );
  const kind = deps.subjects.get(request.subject_kind);
  const hash = await kind.payloadHash(tx, request, input.action);
  if (hash === null || hash !== request.params_hash)
    return stale("the payload differs from the one approved");
  const requester = await loadPrincipal(tx, request.requester_id);
  if (!requester || !(await deps.authorizer.can(requester, "run", input.action)).allowed)
    return stale("the requester may no longer run this action");
  for (const approverId of await approversOf(tx, request.id)) {
    const approver = await loadPrincipal(tx, approverId);
    if (!approver || !(await deps.authorizer.can(approver, "approve", input.action)).allowed)
      return stale("an approver may no longer approve this action");
  }
  return (await kind.recheck?.(tx, request)) ?? null;
}

function stale(why: string): AirlockError {
  return new AirlockError("approval.stale", `The approval no longer holds: ${why}. Nothing was executed.`);
}
