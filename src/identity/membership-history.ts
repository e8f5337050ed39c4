// Which groups a person was in at a past moment, rebuilt from today's memberships and the audit
// trail. Every membership change Airlock makes (admins, change requests, access reviews, SSO sync)
// writes `group.member_added` / `group.member_removed` with the group's id, in the same
// transaction; so starting from today's memberships that already existed then (`added_at`), and
// undoing the changes made since, newest first, gives the memberships at that moment. What the
// trail cannot show — a row written straight into the table without an event — counts from its
// `added_at` on.
import type { Queryable } from "../store/queryable.ts";

/** `groupsAt(userId, at)`: the group names the person held at `at` (names as they are now). */
export type GroupsAt = (userId: string, at: Date) => string[];

export async function membershipHistory(db: Queryable, userIds: string[], since: Date): Promise<GroupsAt> {
  const ids = [...new Set(userIds)];
  const [current, changes, names] = await Promise.all([
    db.query<{ user_id: string; group_id: string; added_at: Date }>(
      "SELECT user_id, group_id, added_at FROM airlock.group_members WHERE user_id = ANY($1::text[])",
      [ids],
    ),
    // Through the target index; the changes since the oldest moment asked about, newest first.
    db.query<{ user_id: string; group_id: string; group_name: string; type: string; at: Date }>(
      `SELECT target_id AS user_id, data->>'groupId' AS group_id, data->>'group' AS group_name, type,
              occurred_at AS at
         FROM airlock.audit_events
        WHERE type IN ('group.member_added', 'group.member_removed') AND target_type = 'user'
          AND target_id = ANY($1::text[]) AND occurred_at > $2 AND data ? 'groupId'
        ORDER BY occurred_at DESC, id DESC`,
      [ids, since],
    ),
    db.query<{ id: string; name: string }>("SELECT id, name FROM airlock.groups"),
  ]);
  const nameOf = new Map(names.rows.map((g) => [g.id, g.name]));
  return (userId, at) => {
    const held = new Set(
      current.rows.filter((m) => m.user_id === userId && m.added_at <= at).map((m) => m.group_id),
    );
    for (const change of changes.rows) {
      if (change.user_id !== userId || change.at <= at) continue;
      if (change.type === "group.member_added") held.delete(change.group_id);
      else held.add(change.group_id);
      if (!nameOf.has(change.group_id)) nameOf.set(change.group_id, change.group_name);
    }
    return [...held].map((id) => nameOf.get(id) ?? id).sort();
  };
}
