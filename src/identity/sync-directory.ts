// At start, make the database agree with the workspace: its groups and service identities exist,
// and in demo mode the demo users exist with password "demo" and their group memberships.
// Membership changes made by admins are kept; only config/demo-sourced rows are managed here.
import type pg from "pg";
import { newId } from "../ids/ids.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { hashPassword } from "./passwords.ts";

export const DEMO_PASSWORD = "demo";

export async function syncDirectory(
  db: Pick<pg.Pool, "query">,
  workspace: CompiledWorkspace,
  options: { demo: boolean },
) {
  for (const [name, group] of Object.entries(workspace.groups)) {
    await db.query(
      `INSERT INTO airlock.groups (id, name, description, source) VALUES ($1, $2, $3, 'config')
       ON CONFLICT (name) DO UPDATE SET description = COALESCE(NULLIF(EXCLUDED.description, ''), airlock.groups.description)`,
      [newId("grp"), name, group.description],
    );
  }
  for (const name of Object.keys(workspace.services)) {
    await db.query(
      `INSERT INTO airlock.users (id, kind, name, source) VALUES ($1, 'service', $2, 'config')
       ON CONFLICT (name) WHERE kind = 'service' DO NOTHING`,
      [newId("svc"), name],
    );
  }
  if (!options.demo || !workspace.demo) return;
  const existing = await db.query<{ email: string }>(
    "SELECT lower(email) AS email FROM airlock.users WHERE source = 'demo'",
  );
  const known = new Set(existing.rows.map((r) => r.email));
  // Hashing is deliberately slow (~50 ms each); only new demo users pay it, so restarts stay fast.
  const passwordHash = workspace.demo.users.some((u) => !known.has(u.email.toLowerCase()))
    ? await hashPassword(DEMO_PASSWORD)
    : null;
  for (const user of workspace.demo.users) {
    if (!known.has(user.email.toLowerCase())) {
      await db.query(
        `INSERT INTO airlock.users (id, kind, email, name, password_hash, source) VALUES ($1, 'human', $2, $3, $4, 'demo')
         ON CONFLICT (lower(email)) WHERE email IS NOT NULL DO NOTHING`,
        [newId("usr"), user.email, user.name, passwordHash],
      );
    }
    for (const group of user.groups) {
      await db.query(
        `INSERT INTO airlock.groups (id, name, source) VALUES ($1, $2, 'config') ON CONFLICT (name) DO NOTHING`,
        [newId("grp"), group],
      );
      await db.query(
        `INSERT INTO airlock.group_members (group_id, user_id, source)
         SELECT g.id, u.id, 'demo' FROM airlock.groups g, airlock.users u
          WHERE g.name = $1 AND lower(u.email) = lower($2)
         ON CONFLICT DO NOTHING`,
        [group, user.email],
      );
    }
  }
}
