// The rules that decide whether a person may approve, reject or cancel a request. One module,
// used by the decision itself (inside the transaction that holds the request's row lock) and by
// the request view (`canDecide` / `whyNot`), so the UI never offers what the server would refuse.
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { canSeeRunOf } from "../runs/run-access.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { ApprovalRequestRow } from "./approval-store.ts";
import { isReviewerOfAny } from "./quorum.ts";
import { isChosenReviewer } from "./reviewer-choice.ts";

export interface DecisionFacts {
  principal: Principal;
  request: ApprovalRequestRow;
  /** Whoever the subject was requested on behalf of (a run's `on_behalf_of`). */
  onBehalfOf: string | null;
  action: CompiledAction | null;
  /** Decisions already recorded on the request. */
  decisions: readonly { reviewer_id: string }[];
  /** The database's clock (the transaction's `now()`), never the web server's. */
  now: Date;
  /** Whether the principal holds `approve` on the action (asked before the transaction opens). */
  holdsApprove: boolean;
}

/**
 * Who may see a request (and so learn that it exists): its requester, and whoever may see the
 * run — holders of approve, audit or admin on the action. Everyone else is told "not found".
 */
export async function maySeeRequest(
  authorizer: Authorizer,
  workspace: CompiledWorkspace,
  principal: Principal,
  request: Pick<ApprovalRequestRow, "requester_id" | "action">,
): Promise<boolean> {
  if (principal.id === request.requester_id) return true;
  return await canSeeRunOf(authorizer, workspace, principal, {
    actor_id: request.requester_id,
    action: request.action,
  });
}

/** The requester, and whoever the subject was requested on behalf of, never decide on it. */
export function isRequester(
  principal: Principal,
  facts: Pick<DecisionFacts, "request" | "onBehalfOf">,
): boolean {
  return principal.id === facts.request.requester_id || principal.id === facts.onBehalfOf;
}

/**
 * Why this person may not approve or reject the request, or null if they may. The order matters:
 * the identity rules come first so that a requester or a service is told exactly that, whatever
 * the request's state (product rule: no self-approval, admins included, in any channel).
 */
export function decisionRefusal(facts: DecisionFacts): AirlockError | null {
  const { principal, request } = facts;
  if (principal.kind !== "human") return new AirlockError("approval.service_identity");
  if (isRequester(principal, facts)) return new AirlockError("approval.self_approval");
  if (facts.decisions.some((d) => d.reviewer_id === principal.id))
    return new AirlockError("approval.already_decided");
  const state = stateRefusal(request, facts.now);
  if (state) return state;
  if (!facts.holdsApprove || !isReviewerOfAny(principal, request.policies))
    return new AirlockError("approval.not_reviewer");
  // Narrowed by the requester: only the people they picked (by id, or a group they are in now).
  if (request.chosen_reviewers && !isChosenReviewer(principal, request.chosen_reviewers))
    return new AirlockError("approval.not_chosen");
  return null;
}

/** Why the requester may not cancel, or null. */
export function cancelRefusal(
  facts: Pick<DecisionFacts, "principal" | "request" | "now">,
): AirlockError | null {
  if (facts.principal.id !== facts.request.requester_id) return new AirlockError("approval.not_requester");
  return stateRefusal(facts.request, facts.now);
}

function stateRefusal(request: ApprovalRequestRow, now: Date): AirlockError | null {
  if (request.status === "expired") return new AirlockError("approval.expired");
  if (request.status !== "pending") return new AirlockError("approval.not_pending");
  if (new Date(request.expires_at).getTime() <= now.getTime()) return new AirlockError("approval.expired");
  return null;
}
