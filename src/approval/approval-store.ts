// Approval requests in SQL: created in the transaction that holds the run at pending_approval.
import type { Queryable } from "../audit/audit-writer.ts";

export interface PolicySnapshot {
  name: string;
  reviewers: { groups: string[]; users: string[] };
  quorum: number;
  because: string | null;
}

export interface ApprovalRequestRow {
  id: string;
  run_id: string;
  action: string;
  action_version: string;
  requester_id: string;
  params_hash: string;
  reason: string | null;
  policies: PolicySnapshot[];
  status: "pending" | "approved" | "rejected" | "cancelled" | "expired";
  expires_at: Date;
  request_id: string;
  execution_request_id: string | null;
  created_at: Date;
  decided_at: Date | null;
}

export async function createApprovalRequest(
  db: Queryable,
  input: {
    id: string;
    runId: string;
    action: string;
    actionVersion: string;
    requesterId: string;
    paramsHash: string;
    reason: string | null;
    policies: PolicySnapshot[];
    expiresInMs: number;
    requestId: string;
  },
): Promise<{ id: string; expiresAt: Date }> {
  const id = input.id;
  const result = await db.query(
    `INSERT INTO airlock.approval_requests (id, run_id, action, action_version, requester_id, params_hash, reason, policies, status, expires_at, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, 'pending', now() + make_interval(secs => $9::double precision / 1000), $10)
     RETURNING expires_at`,
    [
      id,
      input.runId,
      input.action,
      input.actionVersion,
      input.requesterId,
      input.paramsHash,
      input.reason,
      JSON.stringify(input.policies),
      input.expiresInMs,
      input.requestId,
    ],
  );
  return { id, expiresAt: (result.rows[0] as { expires_at: Date }).expires_at };
}

export async function getApprovalRequest(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ApprovalRequestRow | null> {
  const result = await db.query(
    `SELECT * FROM airlock.approval_requests WHERE id = $1${options.forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return (result.rows[0] as ApprovalRequestRow | undefined) ?? null;
}

export async function approversOf(db: Queryable, approvalRequestId: string): Promise<string[]> {
  const result = await db.query(
    "SELECT reviewer_id FROM airlock.approval_decisions WHERE approval_request_id = $1 AND decision = 'approve' ORDER BY decided_at",
    [approvalRequestId],
  );
  return (result.rows as { reviewer_id: string }[]).map((r) => r.reviewer_id);
}
