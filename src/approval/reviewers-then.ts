// Who could have approved at a past moment: the people in one of the reviewer groups (or listed)
// *then*, who were reviewers by the decision's rule (quorum.ts) and held `approve` on the action
// with the groups they had then (membership-history.ts). The policy what-if asks it for each past
// run, so someone who joined the managers last week is not counted as a reviewer of March's runs,
// and someone who has since left them still is.
//
// Candidates are today's members of the reviewer groups, the people listed, and whoever left one
// of those groups since `since` (the audit trail's `group.member_removed`, through its type index).
// Only active humans: whether a person now disabled was active then is not rebuilt.
import type { Authorizer } from "../identity/authorizer.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import { membershipHistory } from "../identity/membership-history.ts";
import type { Principal } from "../identity/principal.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { PolicySnapshot } from "./approval-store.ts";
import { isReviewerOfAny } from "./quorum.ts";

export interface Person {
  id: string;
  name: string;
}

/** `reviewersAt(at)`: who could have decided at `at` (moments after `since`). */
export type ReviewersAt = (at: Date) => Promise<Person[]>;

export async function reviewersThen(
  db: Queryable,
  authorizer: Authorizer,
  action: Pick<CompiledAction, "name" | "tags">,
  reviewers: { groups: readonly string[]; users: readonly string[] },
  since: Date,
): Promise<ReviewersAt> {
  const policies: PolicySnapshot[] = [
    {
      name: "what-if",
      reviewers: { groups: [...reviewers.groups], users: [...reviewers.users] },
      quorum: 1,
      because: null,
    },
  ];
  const listed = reviewers.users.map((u) => u.toLowerCase());
  const candidates = await db.query<{ id: string }>(
    `SELECT u.id FROM airlock.users u
      WHERE u.kind = 'human' AND u.status = 'active'
        AND (lower(u.id) = ANY($2::text[]) OR lower(u.email) = ANY($2::text[])
          OR EXISTS (SELECT 1 FROM airlock.group_members m JOIN airlock.groups g ON g.id = m.group_id
                      WHERE m.user_id = u.id AND g.name = ANY($1::text[]))
          OR EXISTS (SELECT 1 FROM airlock.audit_events e
                      WHERE e.type = 'group.member_removed' AND e.target_type = 'user' AND e.target_id = u.id
                        AND e.occurred_at > $3
                        AND e.data->>'groupId' IN (SELECT id FROM airlock.groups WHERE name = ANY($1::text[]))))
      ORDER BY u.id`,
    [[...reviewers.groups], listed, since],
  );
  const people: Principal[] = [];
  for (const { id } of candidates.rows) {
    const principal = await loadPrincipal(db, id);
    if (principal) people.push(principal);
  }
  const groupsAt = await membershipHistory(
    db,
    people.map((p) => p.id),
    since,
  );
  // The answer depends only on a person's groups then: asked once per distinct set.
  const verdicts = new Map<string, boolean>();
  return async (at) => {
    const found: Person[] = [];
    for (const person of people) {
      const groups = groupsAt(person.id, at);
      const key = `${person.id}\0${groups.join("\0")}`;
      let could = verdicts.get(key);
      if (could === undefined) {
        const then: Principal = { ...person, groups };
        could = isReviewerOfAny(then, policies) && (await authorizer.can(then, "approve", action)).allowed;
        verdicts.set(key, could);
      }
      if (could) found.push({ id: person.id, name: person.name });
    }
    return found;
  };
}
