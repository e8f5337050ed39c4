// One approval request as a reviewer sees it: enough to decide (product rule) — the action, the
// masked parameters, who asked and why, the policies with their quorum and the decisions so far,
// the expiry, the run's status and request IDs, the target's current state (the action's
// `describe`) and the recent runs on the same target. `canDecide` / `whyNot` come from the same
// rules the decision applies, so a client never offers a self-approval.
import { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import { overseenActions } from "../runs/run-access.ts";
import { maskedParams, maskedResult } from "../runs/run-audit.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
import type { ApprovalDeps } from "./approval-deps.ts";
import { iso } from "./approval-inbox.ts";
import { APPROVAL_ID } from "./approval-status.ts";
import { decisionsOf, getApprovalRequest } from "./approval-store.ts";
import { cancelRefusal, decisionRefusal, maySeeRequest } from "./decision-rules.ts";
import { tallyQuorum } from "./quorum.ts";
import { describeTarget } from "./target-state.ts";

const RECENT_RUNS = 10;

export async function approvalView(deps: ApprovalDeps, principal: Principal, id: string) {
  const request = APPROVAL_ID.test(id) ? await getApprovalRequest(deps.pool, id) : null;
  const action = request ? deps.workspace.actions.get(request.action) : undefined;
  if (!request || !action || !(await maySeeRequest(deps.authorizer, deps.workspace, principal, request)))
    throw new AirlockError("approval.not_found");
  // The view shows run subjects; other kinds bring their own view.
  const run = request.run_id ? await getRun(deps.pool, request.run_id) : null;
  if (!run) throw new AirlockError("approval.not_found");
  const [decisions, requester, now] = await Promise.all([
    decisionsOf(deps.pool, request.id),
    deps.pool.query<{ name: string }>("SELECT name FROM airlock.users WHERE id = $1", [request.requester_id]),
    deps.pool.query<{ now: Date }>("SELECT now() AS now"),
  ]);
  const approvers = decisions
    .filter((d) => d.decision === "approve" && d.reviewer_active)
    .map((d) => ({
      id: d.reviewer_id,
      kind: d.reviewer_kind,
      email: d.reviewer_email,
      groups: d.reviewer_groups,
    }));
  const tally = tallyQuorum(request.policies, approvers, [request.requester_id, run.on_behalf_of ?? ""]);
  const holdsApprove = (await deps.authorizer.can(principal, "approve", action)).allowed;
  const facts = {
    principal,
    request,
    onBehalfOf: run.on_behalf_of,
    action,
    decisions,
    now: now.rows[0]!.now,
    holdsApprove,
  };
  const whyNot = decisionRefusal(facts);
  const cancelWhyNot = cancelRefusal(facts);
  const target = run.target_type && run.target_id ? { type: run.target_type, id: run.target_id } : null;

  return {
    id: request.id,
    status: request.status,
    action: { name: action.name, title: action.title, version: request.action_version, risk: action.risk },
    requester: { id: request.requester_id, name: requester.rows[0]?.name ?? null },
    reason: request.reason,
    target,
    params: maskedParams(action, run.params),
    policies: request.policies.map((policy, i) => ({
      name: policy.name,
      because: policy.because,
      reviewers: policy.reviewers,
      quorum: policy.quorum,
      approvals: tally[i]!.approvedBy.length,
      satisfied: tally[i]!.satisfied,
    })),
    chosenReviewers: request.chosen_reviewers
      ? {
          users: await namesOf(deps.pool, request.chosen_reviewers.users),
          groups: request.chosen_reviewers.groups,
        }
      : null,
    decisions: decisions.map((d) => ({
      reviewer: { id: d.reviewer_id, name: d.reviewer_name },
      decision: d.decision,
      reason: d.reason,
      channel: d.channel,
      requestId: d.request_id,
      decidedAt: iso(d.decided_at),
    })),
    createdAt: iso(request.created_at),
    expiresAt: iso(request.expires_at),
    decidedAt: iso(request.decided_at),
    // Accountability: the request that asked, the request that executed, and the outcome.
    run: {
      id: run.id,
      status: run.status,
      requestId: run.request_id,
      executionRequestId: run.execution_request_id,
      error: run.error_code ? { code: run.error_code, message: run.error_message ?? "" } : null,
      result: run.result === null || run.result === undefined ? null : maskedResult(action, run.result),
      snapshotBefore: run.snapshot_before ?? null,
      snapshotAfter: run.snapshot_after ?? null,
      links: { self: `/api/v1/runs/${run.id}` },
    },
    targetState: await describeTarget(deps.pool, deps.log, action, target),
    recentRuns: await recentRuns(deps, principal, run),
    canDecide: whyNot === null,
    whyNot: whyNot ? { code: whyNot.code, message: whyNot.message } : null,
    canCancel: cancelWhyNot === null,
  };
}

async function namesOf(db: ApprovalDeps["pool"], ids: readonly string[]) {
  if (ids.length === 0) return [];
  const result = await db.query<{ id: string; name: string }>(
    "SELECT id, name FROM airlock.users WHERE id = ANY($1::text[])",
    [ids],
  );
  const names = new Map(result.rows.map((r) => [r.id, r.name]));
  return ids.map((id) => ({ id, name: names.get(id) ?? null }));
}

/** The last runs on the same target that the viewer may see (their own, or of actions they oversee). */
async function recentRuns(deps: ApprovalDeps, principal: Principal, run: RunRow) {
  if (!run.target_type || !run.target_id) return [];
  const overseen = await overseenActions(deps.authorizer, deps.workspace, principal);
  // Uses runs_target_idx (target_type, target_id, created_at DESC).
  const result = await deps.pool.query<RunRow & { actor_name: string | null }>(
    `SELECT r.*, u.name AS actor_name FROM airlock.runs r LEFT JOIN airlock.users u ON u.id = r.actor_id
      WHERE r.target_type = $1 AND r.target_id = $2 AND r.id <> $3
        AND (r.actor_id = $4 OR r.action = ANY($5::text[]))
      ORDER BY r.created_at DESC LIMIT ${RECENT_RUNS}`,
    [run.target_type, run.target_id, run.id, principal.id, overseen],
  );
  return result.rows.map((r) => {
    const action = deps.workspace.actions.get(r.action);
    return {
      id: r.id,
      action: r.action,
      status: r.status,
      actor: { id: r.actor_id, name: r.actor_name },
      params: action ? maskedParams(action, r.params) : null,
      error: r.error_code,
      createdAt: iso(r.created_at),
      finishedAt: iso(r.finished_at),
    };
  });
}

export type ApprovalView = Awaited<ReturnType<typeof approvalView>>;
