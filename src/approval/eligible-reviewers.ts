// Who may decide under a set of policies: active humans in one of their reviewer groups or listed
// by id or email, who are reviewers by the decision's own rule (quorum.ts) and hold `approve` on
// the action. Notifications ask it of a request's policies; the policy what-if of a draft's.
import type { Authorizer } from "../identity/authorizer.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { PolicySnapshot } from "./approval-store.ts";
import { isReviewerOfAny } from "./quorum.ts";
import { type ChosenReviewers, isChosenReviewer } from "./reviewer-choice.ts";

export async function eligibleReviewers(
  db: Queryable,
  authorizer: Authorizer,
  /** The action (or runbook) whose `approve` grant a reviewer must hold. */
  action: Pick<CompiledAction, "name" | "tags">,
  policies: readonly PolicySnapshot[],
  /** Ids that never decide (the requester and whoever the subject is on behalf of). */
  excluded: readonly (string | null)[] = [],
  /** A request narrowed by its requester (reviewer-choice.ts): only the people picked. */
  chosen: ChosenReviewers | null = null,
): Promise<Principal[]> {
  const groups = [...new Set(policies.flatMap((p) => p.reviewers.groups))];
  const listed = [...new Set(policies.flatMap((p) => p.reviewers.users.map((u) => u.toLowerCase())))];
  const candidates = await db.query<{ id: string }>(
    `SELECT DISTINCT u.id FROM airlock.users u
       LEFT JOIN airlock.group_members m ON m.user_id = u.id
       LEFT JOIN airlock.groups g ON g.id = m.group_id
      WHERE u.kind = 'human' AND u.status = 'active'
        AND (g.name = ANY($1::text[]) OR lower(u.id) = ANY($2::text[]) OR lower(u.email) = ANY($2::text[]))
      ORDER BY u.id`,
    [groups, listed],
  );
  const reviewers: Principal[] = [];
  for (const { id } of candidates.rows) {
    if (excluded.includes(id)) continue;
    const principal = await loadPrincipal(db, id);
    if (!principal || !isReviewerOfAny(principal, policies)) continue;
    if (chosen && !isChosenReviewer(principal, chosen)) continue;
    if (!(await authorizer.can(principal, "approve", action)).allowed) continue;
    reviewers.push(principal);
  }
  return reviewers;
}
