// Re-checks, inside the transaction that executes an approved run, that the approval still
// holds: the request is approved and not expired, the parameters are byte-for-byte what was
// approved (hash), every approver still may approve and the requester still may run. A stale
// approval never runs (reliability.md: "stale approvals never run").
import type pg from "pg";
import { approversOf, getApprovalRequest } from "../approval/approval-store.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import { paramsHashAs } from "../runs/params-hash.ts";
import type { RunRow } from "../runs/run-store.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";

export async function recheckApproval(
  tx: pg.PoolClient,
  authorizer: Authorizer,
  action: CompiledAction,
  run: RunRow,
  /** The run's raw parameters (decrypted: runs/run-values.ts). */
  params: unknown,
  hashKey: Buffer | null,
): Promise<AirlockError | null> {
  const request = await getApprovalRequest(tx, run.approval_request_id!, { forUpdate: true });
  if (request?.status !== "approved") return stale("the request is no longer approved");
  const now = await tx.query<{ expired: boolean }>("SELECT $1::timestamptz <= now() AS expired", [
    request.expires_at,
  ]);
  if (now.rows[0]!.expired)
    return new AirlockError(
      "approval.expired",
      "The approval expired before the run executed; nothing was executed.",
    );
  const hash = paramsHashAs(run.params_hash, action.name, params, hashKey);
  // A request of another kind (a bulk batch's) binds to its own payload's hash, re-checked by
  // that kind's owner; the run's parameters must still be what the run stored.
  if (hash !== run.params_hash || (request.subject_kind === "run" && hash !== request.params_hash))
    return stale("the parameters differ from those approved");
  const requester = await loadPrincipal(tx, run.actor_id);
  if (!requester || !(await authorizer.can(requester, "run", action)).allowed)
    return stale("the requester may no longer run this action");
  for (const approverId of await approversOf(tx, request.id)) {
    const approver = await loadPrincipal(tx, approverId);
    if (!approver || !(await authorizer.can(approver, "approve", action)).allowed)
      return stale("an approver may no longer approve this action");
  }
  return null;
}

function stale(why: string): AirlockError {
  return new AirlockError("approval.stale", `The approval no longer holds: ${why}. Nothing was executed.`);
}
