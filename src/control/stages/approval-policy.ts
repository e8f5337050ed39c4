import { isEmptyChoice, resolveReviewerChoice } from "../../approval/reviewer-choice.ts";
import { appendAudit } from "../../audit/audit-writer.ts";
import { actorOf } from "../../identity/principal.ts";
import {
  type Gated,
  type Keyed,
  type Next,
  type Outcome,
  type PolicyMatch,
  refuse,
} from "../pipeline-context.ts";

/**
 * Stage 7: which approval policies apply to these validated parameters. Enforced ones hold the
 * run for review (execute creates the approval request); monitored ones are only recorded. A
 * policy whose `when` throws is treated as applying: a broken rule fails closed. The mode is the
 * effective one: an admin's stored override (policy-modes.ts) wins over the code's default.
 * Reviewers the requester picked are checked here, before the run's transaction opens, against
 * the enforced policies (approval/reviewer-choice.ts); a run that is not held ignores them.
 */
export async function approvalPolicy(ctx: Keyed, next: Next<Gated>): Promise<Outcome> {
  const { action, deps, principal } = ctx;
  const enforced: PolicyMatch[] = [];
  const monitored: PolicyMatch[] = [];
  for (const policy of action.policies) {
    let because: string | null = null;
    let applies: boolean;
    try {
      const verdict = policy.when
        ? policy.when(ctx.params, { actor: actorOf(principal), groups: principal.groups })
        : true;
      applies = verdict === true || (typeof verdict === "string" && verdict.length > 0);
      if (typeof verdict === "string") because = verdict;
    } catch (error) {
      deps.log.error(
        { policy: policy.name, err: error },
        "approval policy failed to evaluate; requiring approval",
      );
      applies = true;
      because = "the policy could not be evaluated";
    }
    if (!applies) continue;
    const mode = deps.policyModes ? await deps.policyModes.effectiveMode(action.name, policy) : policy.mode;
    (mode === "enforce" ? enforced : monitored).push({ policy, because });
  }
  const held = enforced.length > 0 && !ctx.request.coveredBy;
  if (!held || isEmptyChoice(ctx.request.reviewers))
    return await next({ ...ctx, enforced, monitored, chosenReviewers: null });
  const choice = await resolveReviewerChoice(deps.pool, deps.authorizer, {
    action,
    policies: enforced.map((m) => ({
      name: m.policy.name,
      reviewers: m.policy.reviewers,
      quorum: m.policy.quorum,
      because: m.because,
    })),
    allowsChoice: (name) =>
      enforced.some((m) => m.policy.name === name && m.policy.requesterChoosesReviewers),
    requester: principal,
    onBehalfOf: ctx.request.onBehalfOf ?? null,
    choice: ctx.request.reviewers!,
  });
  if (!choice.ok) {
    await appendAudit(deps.pool, [
      {
        type: "approval.refused",
        outcome: "denied",
        actorId: principal.id,
        actorKind: principal.kind,
        action: action.name,
        actionVersion: action.version,
        requestId: ctx.requestId,
        errorCode: choice.error.code,
        data: { attempted: "request", reviewers: "chosen by the requester" },
        clientIp: ctx.request.client.clientIp,
        userAgent: ctx.request.client.userAgent,
      },
    ]);
    return refuse(ctx, choice.error);
  }
  return await next({ ...ctx, enforced, monitored, chosenReviewers: choice.chosen });
}
