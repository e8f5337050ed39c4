// The requester narrows a request's reviewers to named people or groups, where every policy that
// holds the run allows it (`requesterChoosesReviewers`). The choice only ever narrows: each named
// person must be an eligible reviewer of the request (eligible-reviewers.ts: a policy's reviewer,
// holding `approve`, active, human, never the requester or whoever the run is on behalf of), each
// named group one of the policies' reviewer groups, and every policy must still be able to reach
// its quorum from the people picked — else the request is refused before anything is stored. The
// choice is stored on the request in the transaction that creates it (never changed after), is
// part of its `approval.requested` audit event, and is checked by the decision rules in the
// deciding transaction (decision-rules.ts) and by the inbox and the notifier.
import { AirlockError } from "../errors/airlock-error.ts";
import type { ErrorCode } from "../errors/catalogue.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { PolicySnapshot } from "./approval-store.ts";
import { eligibleReviewers } from "./eligible-reviewers.ts";
import { isReviewerOf, type Person } from "./quorum.ts";

/** What a requester asks for: people by id or email, groups by name. */
export interface ReviewerChoiceInput {
  users?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
}

/** The choice as stored on the request: people by id, groups by name. */
export interface ChosenReviewers {
  users: string[];
  groups: string[];
}

/** Whether `person` is among the reviewers the requester picked (by id, or by a group they are in now). */
export function isChosenReviewer(person: Pick<Person, "id" | "groups">, chosen: ChosenReviewers): boolean {
  return chosen.users.includes(person.id) || chosen.groups.some((g) => person.groups.includes(g));
}

export function isEmptyChoice(input: ReviewerChoiceInput | null | undefined): boolean {
  return !input || ((input.users?.length ?? 0) === 0 && (input.groups?.length ?? 0) === 0);
}

/**
 * The stored form of a requester's choice for a request held by `policies`, or the refusal:
 * `approval.reviewer_choice_not_allowed`, `approval.reviewer_not_eligible`,
 * `approval.reviewers_below_quorum`. `allowsChoice` says, per policy name, whether it lets the
 * requester choose.
 */
export async function resolveReviewerChoice(
  db: Queryable,
  authorizer: Authorizer,
  input: {
    /** The action (or runbook) whose `approve` grant a reviewer must hold. */
    action: Pick<CompiledAction, "name" | "tags">;
    policies: readonly PolicySnapshot[];
    allowsChoice: (policyName: string) => boolean;
    requester: { id: string; email: string | null };
    onBehalfOf: string | null;
    choice: ReviewerChoiceInput;
  },
): Promise<{ ok: true; chosen: ChosenReviewers } | { ok: false; error: AirlockError }> {
  const refused = (code: ErrorCode, message: string) => ({
    ok: false as const,
    error: new AirlockError(code, message),
  });
  const closed = input.policies.filter((p) => !input.allowsChoice(p.name)).map((p) => p.name);
  if (closed.length > 0)
    return refused(
      "approval.reviewer_choice_not_allowed",
      `The policy ${closed.join(", ")} does not let the requester choose reviewers; send the request without reviewers.`,
    );
  const eligible = await eligibleReviewers(db, authorizer, input.action, input.policies, [
    input.requester.id,
    input.onBehalfOf,
  ]);
  const users: string[] = [];
  for (const given of new Set((input.choice.users ?? []).map((u) => u.trim()))) {
    const lower = given.toLowerCase();
    if (lower === input.requester.id.toLowerCase() || lower === input.requester.email?.toLowerCase())
      return refused(
        "approval.reviewer_not_eligible",
        "You cannot pick yourself as a reviewer of your own request.",
      );
    const person = eligible.find((p) => p.id.toLowerCase() === lower || p.email?.toLowerCase() === lower);
    // One answer for "no such person" and "not a reviewer": the requester learns nothing more.
    if (!person)
      return refused(
        "approval.reviewer_not_eligible",
        `"${scrubText(given).slice(0, 120)}" is not among the people who may review this request.`,
      );
    if (!users.includes(person.id)) users.push(person.id);
  }
  const offered = new Set(input.policies.flatMap((p) => p.reviewers.groups));
  const groups: string[] = [];
  for (const given of new Set((input.choice.groups ?? []).map((g) => g.trim()))) {
    if (!offered.has(given))
      return refused(
        "approval.reviewer_not_eligible",
        `The group "${scrubText(given).slice(0, 120)}" is not a reviewer group of this request's policies (${[...offered].join(", ") || "none"}).`,
      );
    groups.push(given);
  }
  const chosen: ChosenReviewers = { users, groups };
  const picked = eligible.filter((p) => isChosenReviewer(p, chosen));
  for (const policy of input.policies) {
    const able = picked.filter((p) => isReviewerOf(p, policy)).length;
    if (able < policy.quorum)
      return refused(
        "approval.reviewers_below_quorum",
        `The policy ${policy.name} needs ${policy.quorum} approval${policy.quorum === 1 ? "" : "s"}, and only ${able} of the reviewers you picked may give one under it; pick more reviewers.`,
      );
  }
  return { ok: true, chosen };
}

/** Whom a requester may pick: people and groups offered by a request's choosable policies. */
export interface ReviewerOptions {
  policies: string[];
  people: { id: string; name: string; groups: string[] }[];
  groups: string[];
}

/**
 * Whom `requester` may pick for a run of `action`: the eligible reviewers of the policies that let
 * the requester choose, and those policies' reviewer groups. Which policies hold a run depends on
 * its parameters, so the request itself is checked again (resolveReviewerChoice).
 */
export async function reviewerOptionsOf(
  deps: { pool: Queryable; authorizer: Authorizer },
  action: CompiledAction,
  requester: { id: string },
): Promise<ReviewerOptions> {
  const open = action.policies
    .filter((p) => p.requesterChoosesReviewers)
    .map((p) => ({ name: p.name, reviewers: p.reviewers, quorum: p.quorum, because: null }));
  return await reviewerOptionsFor(deps, action, open, requester);
}

/**
 * Whom `requester` may pick under `open`, the policies of a request that let the requester
 * choose (a batch's, a gate's, a run's): their eligible reviewers and their reviewer groups.
 */
export async function reviewerOptionsFor(
  deps: { pool: Queryable; authorizer: Authorizer },
  action: Pick<CompiledAction, "name" | "tags">,
  open: readonly PolicySnapshot[],
  requester: { id: string },
): Promise<ReviewerOptions> {
  if (open.length === 0) return { policies: [], people: [], groups: [] };
  const people = await eligibleReviewers(deps.pool, deps.authorizer, action, open, [requester.id]);
  const offered = [...new Set(open.flatMap((p) => p.reviewers.groups))];
  return {
    policies: open.map((p) => p.name),
    people: people.map((p) => ({
      id: p.id,
      name: p.name,
      groups: p.groups.filter((g) => offered.includes(g)),
    })),
    groups: offered,
  };
}

/**
 * Whether two choices name the same reviewers (order aside; null and an empty choice alike).
 * A replay of an idempotency key must repeat the first request's choice: another pick is another
 * request, not the same one sent twice.
 */
export function sameChoice(a: ChosenReviewers | null, b: ChosenReviewers | null): boolean {
  const norm = (c: ChosenReviewers | null) =>
    JSON.stringify([[...(c?.users ?? [])].sort(), [...(c?.groups ?? [])].sort()]);
  return norm(a) === norm(b);
}

/** The reviewers picked on the approval request of run `runId`; null when none (or no request). */
export async function chosenReviewersOfRun(db: Queryable, runId: string): Promise<ChosenReviewers | null> {
  const result = await db.query<{ chosen_reviewers: ChosenReviewers | null }>(
    "SELECT chosen_reviewers FROM airlock.approval_requests WHERE run_id = $1",
    [runId],
  );
  return result.rows[0]?.chosen_reviewers ?? null;
}
