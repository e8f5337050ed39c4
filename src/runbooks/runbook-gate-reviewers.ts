// The reviewers a runbook's starter picks for its approval gates (`rb.approve`), by gate step name.
// A runbook's start is its request, so the pick is made there, as a run's is made when it is
// requested: the starter may be gone by the time a gate opens, hours later. The same rules as a
// run's choice (approval/reviewer-choice.ts) apply to each gate, twice:
// - at start, against the gates the rehearsal finds on the path these parameters take (their
//   reviewers, quorum and `requesterChoosesReviewers`): a pick outside a gate's eligible
//   reviewers, the starter themself, a gate that does not allow choosing or does not exist is
//   refused before anything is stored;
// - when the gate opens, against its real options (a gate's reviewers may depend on a step's
//   output): a pick that no longer holds fails the gate's step with the same stable code, never
//   widening the request to every reviewer behind the starter's back.
import type { PolicySnapshot } from "../approval/approval-store.ts";
import {
  type ChosenReviewers,
  isEmptyChoice,
  type ReviewerChoiceInput,
  type ReviewerOptions,
  resolveReviewerChoice,
  reviewerOptionsFor,
} from "../approval/reviewer-choice.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { ApproveOptions } from "../sdk/define-runbook.ts";
import type { Queryable } from "../store/queryable.ts";

/** The starter's picks, by gate step name, as stored on the runbook run. */
export type GateReviewers = Record<string, ChosenReviewers>;

/** The gate's one policy, as its approval request stores it. */
export function gatePolicy(step: string, options: ApproveOptions, because: string | null): PolicySnapshot {
  return {
    name: `gate ${step}`,
    reviewers: {
      groups: [...(options.reviewers?.groups ?? [])],
      users: [...(options.reviewers?.users ?? [])],
    },
    quorum: options.quorum ?? 1,
    because,
  };
}

/** Checks one gate's pick against its options: the stored choice, or the refusal. */
export async function resolveGateChoice(
  deps: { pool: Queryable; authorizer: Authorizer },
  runbook: { name: string; tags: string[] },
  starter: Principal,
  step: string,
  options: ApproveOptions,
  choice: ReviewerChoiceInput,
): Promise<{ ok: true; chosen: ChosenReviewers } | { ok: false; error: AirlockError }> {
  const policy = gatePolicy(step, options, null);
  const resolved = await resolveReviewerChoice(deps.pool, deps.authorizer, {
    action: runbook,
    policies: [policy],
    allowsChoice: () => options.requesterChoosesReviewers === true,
    requester: starter,
    onBehalfOf: null,
    choice,
  });
  if (resolved.ok) return resolved;
  // Name the gate: a runbook may have several.
  return {
    ok: false,
    error: new AirlockError(resolved.error.code, `Gate "${step}": ${resolved.error.message}`, { step }),
  };
}

/**
 * At start: the picks in stored form (null when none), or throws the refusal. `gates` are the
 * gates the rehearsal found; `complete` whether it ran to the end (a gate it did not reach is
 * checked when it opens).
 */
export async function chooseGateReviewers(
  deps: { pool: Queryable; authorizer: Authorizer },
  runbook: { name: string; tags: string[] },
  starter: Principal,
  rehearsal: { gates: { step: string; options: ApproveOptions }[]; complete: boolean },
  given: Record<string, ReviewerChoiceInput> | null | undefined,
): Promise<GateReviewers | null> {
  const picks = Object.entries(given ?? {}).filter(([, choice]) => !isEmptyChoice(choice));
  if (picks.length === 0) return null;
  const stored: GateReviewers = {};
  for (const [step, choice] of picks) {
    const gate = rehearsal.gates.find((g) => g.step === step);
    if (!gate) {
      if (rehearsal.complete)
        throw new AirlockError(
          "approval.reviewer_choice_not_allowed",
          `The runbook ${runbook.name} has no approval gate named "${step.slice(0, 200)}" (its gates: ${rehearsal.gates.map((g) => g.step).join(", ") || "none"}).`,
          { step },
        );
      // Not reached by the rehearsal: kept as given (people by id or email), checked at the gate.
      stored[step] = { users: [...(choice.users ?? [])], groups: [...(choice.groups ?? [])] };
      continue;
    }
    const resolved = await resolveGateChoice(deps, runbook, starter, step, gate.options, choice);
    if (!resolved.ok) throw resolved.error;
    stored[step] = resolved.chosen;
  }
  return stored;
}

/** One gate the starter may pick reviewers for, and whom they may pick. */
export interface GateReviewerOptions {
  step: string;
  reviewerOptions: ReviewerOptions;
}

/**
 * For a start form: the gates the rehearsal found that let the starter choose, with their
 * options (the same options resolveGateChoice checks a pick against). A gate the rehearsal did not
 * reach is not offered; its pick can still be sent by name (chooseGateReviewers).
 */
export async function gateReviewerOptions(
  deps: { pool: Queryable; authorizer: Authorizer },
  runbook: { name: string; tags: string[] },
  starter: Principal,
  gates: readonly { step: string; options: ApproveOptions }[],
): Promise<GateReviewerOptions[]> {
  const out: GateReviewerOptions[] = [];
  for (const gate of gates) {
    if (gate.options.requesterChoosesReviewers !== true) continue;
    out.push({
      step: gate.step,
      reviewerOptions: await reviewerOptionsFor(
        deps,
        runbook,
        [gatePolicy(gate.step, gate.options, null)],
        starter,
      ),
    });
  }
  return out;
}
