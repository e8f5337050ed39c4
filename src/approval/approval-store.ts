// Approval requests in SQL: created in the transaction that holds the subject (a run at
// pending_approval), then decided (approval-decision.ts), cancelled or expired — each a
// compare-and-set on status. Each of these writes announces itself (`approval.requested`,
// `approval.decided`) in the same transaction: these are the only writers of the request's status.
import { AirlockError } from "../errors/airlock-error.ts";
import { emitEvents } from "../events/event-emit.ts";
import type { Queryable } from "../store/queryable.ts";
import { type ApprovalStatus, canMoveApproval } from "./approval-status.ts";
import type { ChosenReviewers } from "./reviewer-choice.ts";

export interface PolicySnapshot {
  name: string;
  reviewers: { groups: string[]; users: string[] };
  quorum: number;
  because: string | null;
}

export interface ApprovalRequestRow {
  id: string;
  subject_kind: string;
  subject_id: string;
  /** The gated run, for run subjects (subject_id = run_id); null for other kinds. */
  run_id: string | null;
  action: string;
  action_version: string;
  requester_id: string;
  params_hash: string;
  reason: string | null;
  policies: PolicySnapshot[];
  /** The reviewers the requester narrowed the request to (reviewer-choice.ts); null: every eligible one. */
  chosen_reviewers: ChosenReviewers | null;
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
    /** A run subject: the gated run. */
    runId?: string;
    /** Any other kind of subject (approval-subject.ts). */
    subject?: { kind: string; id: string };
    action: string;
    actionVersion: string;
    requesterId: string;
    paramsHash: string;
    reason: string | null;
    policies: PolicySnapshot[];
    /** Written once, here: a request's reviewers are never changed after it is made. */
    chosenReviewers?: ChosenReviewers | null;
    expiresInMs: number;
    requestId: string;
  },
): Promise<{ id: string; expiresAt: Date }> {
  const id = input.id;
  const subject = input.subject ?? { kind: "run", id: input.runId! };
  const runId = subject.kind === "run" ? subject.id : (input.runId ?? null);
  const result = await db.query(
    `INSERT INTO airlock.approval_requests (id, subject_kind, subject_id, run_id, action, action_version, requester_id, params_hash, reason, policies, status, expires_at, request_id, chosen_reviewers)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, 'pending', now() + make_interval(secs => $11::double precision / 1000), $12, $13::jsonb)
     RETURNING expires_at`,
    [
      id,
      subject.kind,
      subject.id,
      runId,
      input.action,
      input.actionVersion,
      input.requesterId,
      input.paramsHash,
      input.reason,
      JSON.stringify(input.policies),
      input.expiresInMs,
      input.requestId,
      input.chosenReviewers ? JSON.stringify(input.chosenReviewers) : null,
    ],
  );
  const expiresAt = (result.rows[0] as { expires_at: Date }).expires_at;
  await emitEvents(db, [
    {
      type: "approval.requested",
      payload: {
        approvalRequestId: id,
        subjectKind: subject.kind,
        subjectId: subject.id,
        runId,
        action: input.action,
        requesterId: input.requesterId,
        policies: input.policies,
        expiresAt: new Date(expiresAt).toISOString(),
        requestId: input.requestId,
      },
    },
  ]);
  return { id, expiresAt };
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
      WHERE id = $1 AND status = $2
      RETURNING *`,
    [id, from, to, patch.executionRequestId ?? null],
  );
  const moved = result.rows[0] as ApprovalRequestRow | undefined;
  if (!moved) return false;
  if (from === "pending") {
    await emitEvents(db, [
      {
        type: "approval.decided",
        payload: {
          approvalRequestId: moved.id,
          subjectKind: moved.subject_kind,
          subjectId: moved.subject_id,
          runId: moved.run_id,
          action: moved.action,
          requesterId: moved.requester_id,
          status: to as "approved" | "rejected" | "cancelled" | "expired",
          executionRequestId: moved.execution_request_id,
          requestId: moved.request_id,
        },
      },
    ]);
  }
  return true;
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
