// An approval gate ends at its expiry, by its own runbook's workflow: the workflow's last wait
// ends at the gate's `expires_at`, and its look after that expires the request here, with the
// step, so the runbook fails at once with `approval.expired` instead of waiting for the approval
// sweeper (a maintenance task every few minutes). The sweeper stays the backstop for a gate whose
// runbook nobody resumes. Both paths hold the request's row lock and move it only from pending,
// so a gate expires once, and a decision committed first wins.
import type pg from "pg";
import { approvalEvent } from "../approval/approval-audit.ts";
import { getApprovalRequest, moveApproval } from "../approval/approval-store.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { inTransaction } from "../store/transaction.ts";
import { endGateStep } from "./runbook-store.ts";

/** The same end the gate's subject kind gives an expiry found by the sweeper or a decision. */
const EXPIRED = { code: "approval.expired", message: "Nobody approved the gate before it expired." };

/** Expire the gate's request and end its step, if it is still pending and due (the database's clock). */
export async function expireDueGate(
  pool: pg.Pool,
  gate: { approvalRequestId: string; runbookRunId: string; step: string },
): Promise<boolean> {
  return await inTransaction(pool, async (tx) => {
    const request = await getApprovalRequest(tx, gate.approvalRequestId, { forUpdate: true });
    if (request?.status !== "pending") return false;
    const { rows } = await tx.query<{ due: boolean }>("SELECT $1::timestamptz <= now() AS due", [
      request.expires_at,
    ]);
    if (!rows[0]?.due || !(await moveApproval(tx, request.id, "pending", "expired"))) return false;
    await endGateStep(tx, gate.runbookRunId, gate.step, { status: "failed", error: EXPIRED });
    await appendAudit(tx, [
      approvalEvent(
        "approval.expired",
        "failure",
        { action: null, request, run: null, actor: null, requestId: null },
        { errorCode: EXPIRED.code, data: { expiresAt: request.expires_at } },
      ),
    ]);
    return true;
  });
}
