import type pg from "pg";
import type { Principal } from "./principal.ts";

/** A user as a principal (with groups), or null if unknown or disabled. */
export async function loadPrincipal(
  db: Pick<pg.Pool, "query">,
  userId: string,
  via: Principal["via"] = "service",
): Promise<Principal | null> {
  const result = await db.query<{
    id: string;
    kind: "human" | "service";
    name: string;
    email: string | null;
    groups: string[];
  }>({
    // Named: planned once per connection (a queued run and a runbook's start read it every time).
    name: "airlock.load_principal",
    text: `SELECT u.id, u.kind, u.name, u.email,
            COALESCE(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups
       FROM airlock.users u
       LEFT JOIN airlock.group_members m ON m.user_id = u.id
       LEFT JOIN airlock.groups g ON g.id = m.group_id
      WHERE u.id = $1 AND u.status = 'active'
      GROUP BY u.id`,
    values: [userId],
  });
  const row = result.rows[0];
  return row ? { ...row, via } : null;
}

/** A service identity by name (schedules and runbooks act as these). */
export async function loadServicePrincipal(
  db: Pick<pg.Pool, "query">,
  name: string,
): Promise<Principal | null> {
  const result = await db.query<{ id: string }>(
    "SELECT id FROM airlock.users WHERE kind = 'service' AND name = $1",
    [name],
  );
  return result.rows[0] ? await loadPrincipal(db, result.rows[0].id, "service") : null;
}
