// Approval requests: the inbox, one request's review page, and the decisions on it.
import { z } from "zod";
import { isoTime, jsonValue, personRef, reviewers, risk, target } from "./common.ts";
import { run, runError, runStatus } from "./runs.ts";

export const APPROVAL_STATUSES = ["pending", "approved", "rejected", "cancelled", "expired"] as const;
export const approvalStatus = z.enum(APPROVAL_STATUSES);

export const approvalListQuery = z.strictObject({
  status: z.enum(["pending", "decided", "mine"]).default("pending"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** The decision bodies take a reason and nothing else: what runs is what was stored. */
export const decisionBody = z.strictObject({ reason: z.string().max(2_000).optional() });

const maskedParams = z.record(z.string(), z.unknown()).nullable();

const summaryCommon = {
  id: z.string(),
  status: approvalStatus,
  /** What governs the request: the action of a run, the runbook of a gate. */
  action: z.string(),
  actionTitle: z.string().nullable(),
  requester: z.strictObject({ id: z.string(), name: z.string() }),
  reason: z.string().nullable(),
  target: target.nullable(),
  params: maskedParams,
  policies: z.array(z.strictObject({ name: z.string(), quorum: z.number().int() })),
  createdAt: isoTime,
  expiresAt: isoTime,
  decidedAt: isoTime.nullable(),
  myDecision: z
    .strictObject({ decision: z.string(), reason: z.string().nullable(), decidedAt: isoTime })
    .nullable(),
};

/** A request that gates a run (decided at /api/v1/approvals/{id}/approve|reject). */
export const runApprovalSummary = z.strictObject({
  kind: z.literal("run"),
  ...summaryCommon,
  runId: z.string(),
  runStatus,
  links: z.strictObject({ self: z.string(), run: z.string() }),
});

/**
 * A runbook's approval gate (`rb.approve`): decided at /api/v1/approvals/{id}/approve|reject like
 * a run's request, or on its step at `links.approve|reject`; the runbook run is at `links.run`. `action` and `actionTitle` name the runbook.
 */
export const gateApprovalSummary = z.strictObject({
  kind: z.literal("runbook_gate"),
  ...summaryCommon,
  runbook: z.string(),
  runbookRunId: z.string(),
  step: z.string(),
  links: z.strictObject({ run: z.string(), approve: z.string(), reject: z.string() }),
});

/**
 * A bulk batch waiting for its approval: decided on the batch, at `links.approve|reject`; the
 * batch is at `links.batch`. `action` and `actionTitle` name the action each item runs.
 */
export const bulkApprovalSummary = z.strictObject({
  kind: z.literal("bulk"),
  ...summaryCommon,
  batchId: z.string(),
  links: z.strictObject({ batch: z.string(), approve: z.string(), reject: z.string() }),
});

export const approvalSummary = z.discriminatedUnion("kind", [
  runApprovalSummary,
  gateApprovalSummary,
  bulkApprovalSummary,
]);
export type ApprovalSummary = z.output<typeof approvalSummary>;

export const approvalPage = z.strictObject({
  approvals: z.array(approvalSummary),
  nextCursor: z.string().nullable(),
});
export type ApprovalPage = z.output<typeof approvalPage>;

export const approvalCount = z.strictObject({
  pending: z.number().int(),
  mine: z.number().int(),
  /** When the first of the counted requests expires (the badge reads again then); null when none. */
  nextExpiresAt: isoTime.nullable(),
});
export type ApprovalCount = z.output<typeof approvalCount>;

export const approvalDetail = z.strictObject({
  id: z.string(),
  status: approvalStatus,
  action: z.strictObject({ name: z.string(), title: z.string(), version: z.string(), risk }),
  requester: personRef,
  reason: z.string().nullable(),
  target: target.nullable(),
  params: maskedParams,
  policies: z.array(
    z.strictObject({
      name: z.string(),
      because: z.string().nullable(),
      reviewers,
      quorum: z.number().int(),
      approvals: z.number().int(),
      satisfied: z.boolean(),
    }),
  ),
  /** The reviewers the requester narrowed the request to; null when every eligible reviewer may decide. */
  chosenReviewers: z.strictObject({ users: z.array(personRef), groups: z.array(z.string()) }).nullable(),
  decisions: z.array(
    z.strictObject({
      reviewer: personRef,
      decision: z.string(),
      reason: z.string().nullable(),
      channel: z.string(),
      requestId: z.string().nullable(),
      decidedAt: isoTime.nullable(),
    }),
  ),
  createdAt: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  decidedAt: isoTime.nullable(),
  run: z.strictObject({
    id: z.string(),
    status: runStatus,
    requestId: z.string(),
    executionRequestId: z.string().nullable(),
    error: runError.nullable(),
    result: jsonValue,
    snapshotBefore: jsonValue,
    snapshotAfter: jsonValue,
    links: z.strictObject({ self: z.string() }),
  }),
  /** null: the action has no describe(); otherwise its current state or why it is unavailable. */
  targetState: z
    .union([
      z.strictObject({ available: z.literal(true), state: jsonValue }),
      z.strictObject({ available: z.literal(false), reason: z.string() }),
    ])
    .nullable(),
  recentRuns: z.array(
    z.strictObject({
      id: z.string(),
      action: z.string(),
      status: runStatus,
      actor: personRef,
      params: maskedParams,
      error: z.string().nullable(),
      createdAt: isoTime.nullable(),
      finishedAt: isoTime.nullable(),
    }),
  ),
  canDecide: z.boolean(),
  whyNot: runError.nullable(),
  canCancel: z.boolean(),
});
export type ApprovalDetail = z.output<typeof approvalDetail>;

export const decisionResponse = z.strictObject({
  approval: z.strictObject({
    id: z.string(),
    status: approvalStatus,
    decidedAt: isoTime.nullable(),
    executionRequestId: z.string().nullable(),
    quorum: z.array(
      z.strictObject({
        name: z.string(),
        quorum: z.number().int(),
        approvals: z.number().int(),
        satisfied: z.boolean(),
      }),
    ),
  }),
  /** The gated run; null when the request gates something else (a runbook's approval gate). */
  run: run.nullable(),
  /**
   * What the request gates: `run` (id: the run's), or `runbook_gate` with `fields` runbook,
   * runbookRunId and step, and `links.run` to the runbook run, which goes on once approved.
   */
  subject: z.strictObject({
    kind: z.string(),
    fields: z.record(z.string(), z.string()),
    links: z.record(z.string(), z.string()),
  }),
});
export type DecisionResponse = z.output<typeof decisionResponse>;
