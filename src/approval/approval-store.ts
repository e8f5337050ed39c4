// Approval requests in SQL: created in the transaction that holds the run at pending_approval,
// then decided (approval-decision.ts), cancelled or expired — each a compare-and-set on status.

import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import { type ApprovalStatus, canMoveApproval } from "./approval-status.ts";

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
  status: ApprovalStatus;
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

/**
 * Move a request from `from` to `to` if, and only if, it is still in `from` (compare-and-set).
 * Returns false when another transaction moved it first. An illegal move is a bug and throws.
 */
export async function moveApproval(
  db: Queryable,
  id: string,
  from: ApprovalStatus,
  to: ApprovalStatus,
  patch: { executionRequestId?: string } = {},
): Promise<boolean> {
  if (!canMoveApproval(from, to))
    throw new AirlockError("approval.not_pending", `An approval request cannot move from ${from} to ${to}.`);
  const result = await db.query(
    `UPDATE airlock.approval_requests
        SET status = $3, decided_at = now(), execution_request_id = COALESCE($4, execution_request_id)
      WHERE id = $1 AND status = $2`,
    [id, from, to, patch.executionRequestId ?? null],
  );
  return result.rowCount === 1;
}

export interface DecisionRow {
  reviewer_id: string;
  reviewer_name: string;
  reviewer_email: string | null;
  reviewer_kind: "human" | "service";
  /** The reviewer's groups now (not at decision time): quorum counts current reviewers. */
  reviewer_groups: string[];
  reviewer_active: boolean;
  decision: "approve" | "reject";
  reason: string | null;
  channel: string;
  request_id: string;
  decided_at: Date;
}

export async function decisionsOf(db: Queryable, approvalRequestId: string): Promise<DecisionRow[]> {
  const result = await db.query(
    `SELECT d.reviewer_id, u.name AS reviewer_name, u.email AS reviewer_email, u.kind AS reviewer_kind,
            u.status = 'active' AS reviewer_active,
            COALESCE((SELECT array_agg(g.name ORDER BY g.name) FROM airlock.group_members m
                        JOIN airlock.groups g ON g.id = m.group_id WHERE m.user_id = d.reviewer_id), '{}') AS reviewer_groups,
            d.decision, d.reason, d.channel, d.request_id, d.decided_at
       FROM airlock.approval_decisions d JOIN airlock.users u ON u.id = d.reviewer_id
      WHERE d.approval_request_id = $1
      ORDER BY d.decided_at, d.reviewer_id`,
    [approvalRequestId],
  );
  return result.rows as DecisionRow[];
}

/**
 * Record one reviewer's decision. The primary key (request, reviewer) makes a second decision by
 * the same person impossible even if the checks before it were raced: false means it existed.
 */
export async function insertDecision(
  db: Queryable,
  input: {
    approvalRequestId: string;
    reviewerId: string;
    decision: "approve" | "reject";
    reason: string | null;
    channel: string;
    requestId: string;
  },
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO airlock.approval_decisions (approval_request_id, reviewer_id, decision, reason, channel, request_id)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [input.approvalRequestId, input.reviewerId, input.decision, input.reason, input.channel, input.requestId],
  );
  return result.rowCount === 1;
}
