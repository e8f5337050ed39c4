// Who is told about what. Reviewers of a request are computed with the same rules as the decision
// (quorum.ts, the authorizer), so a notification never goes to someone who could not act on it:
// the requester (and whoever the run is on behalf of) never, a service identity never, a person
// outside every policy's reviewers or without `approve` on the action never, and, where the
// requester narrowed the reviewers, nobody they did not pick.

import type { ApprovalRequestRow } from "../approval/approval-store.ts";
import { eligibleReviewers } from "../approval/eligible-reviewers.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";

/** The people who may decide on `request` now: eligible reviewers minus the requester side. */
export async function reviewersOf(
  db: Queryable,
  authorizer: Authorizer,
  action: CompiledAction,
  request: Pick<ApprovalRequestRow, "policies" | "requester_id" | "chosen_reviewers">,
  onBehalfOf: string | null,
): Promise<Principal[]> {
  return await eligibleReviewers(
    db,
    authorizer,
    action,
    request.policies,
    [request.requester_id, onBehalfOf],
    request.chosen_reviewers,
  );
}

/** An active human, or null (services and disabled users get no notifications). */
export async function personToTell(db: Queryable, userId: string): Promise<Principal | null> {
  const principal = await loadPrincipal(db, userId);
  return principal && principal.kind === "human" ? principal : null;
}

/** Active members of a group (a runbook step assigned to it). */
export async function membersOf(db: Queryable, group: string): Promise<Principal[]> {
  const result = await db.query<{ id: string }>(
    `SELECT u.id FROM airlock.users u JOIN airlock.group_members m ON m.user_id = u.id
       JOIN airlock.groups g ON g.id = m.group_id
      WHERE g.name = $1 AND u.kind = 'human' AND u.status = 'active' ORDER BY u.id`,
    [group],
  );
  const people: Principal[] = [];
  for (const { id } of result.rows) {
    const principal = await loadPrincipal(db, id);
    if (principal) people.push(principal);
  }
  return people;
}
