// Who counts as a reviewer of a policy, and whether each policy has its quorum.
//
// A person is a reviewer of a policy when they are in one of its groups or listed among its users
// (by id or email). Quorum counts distinct humans per policy; when several policies applied to a
// run, every one must reach its own quorum (AND). One approval counts for every policy its author
// is a reviewer of, so a person in both `managers` and `compliance` can satisfy both policies —
// the policies' reviewer lists decide that, not the counting (docs/approvals.md).
import type { PolicySnapshot } from "./approval-store.ts";

export interface Person {
  id: string;
  kind: "human" | "service";
  email: string | null;
  groups: readonly string[];
}

export function isReviewerOf(person: Person, policy: PolicySnapshot): boolean {
  if (person.kind !== "human") return false;
  if (policy.reviewers.groups.some((g) => person.groups.includes(g))) return true;
  const email = person.email?.toLowerCase();
  return policy.reviewers.users.some(
    (u) => u === person.id || (email !== undefined && u.toLowerCase() === email),
  );
}

export function isReviewerOfAny(person: Person, policies: readonly PolicySnapshot[]): boolean {
  return policies.some((p) => isReviewerOf(person, p));
}

export interface PolicyTally {
  name: string;
  quorum: number;
  /** Ids of the distinct approvers who count for this policy. */
  approvedBy: string[];
  satisfied: boolean;
}

/**
 * The tally of each policy. `approvers` are the people who approved (one row per person: the
 * decisions table allows one decision per reviewer); `excluded` are ids that never count (the
 * requester and whoever the run was made on behalf of), as a second line behind the decision
 * checks.
 */
export function tallyQuorum(
  policies: readonly PolicySnapshot[],
  approvers: readonly Person[],
  excluded: readonly string[],
): PolicyTally[] {
  return policies.map((policy) => {
    const approvedBy = [
      ...new Set(
        approvers.filter((a) => !excluded.includes(a.id) && isReviewerOf(a, policy)).map((a) => a.id),
      ),
    ];
    return {
      name: policy.name,
      quorum: policy.quorum,
      approvedBy,
      satisfied: approvedBy.length >= policy.quorum,
    };
  });
}

export function quorumReached(tally: readonly PolicyTally[]): boolean {
  return tally.length > 0 && tally.every((t) => t.satisfied);
}
