// The principal a test runs an action as: a user created straight in the test's database with the
// groups the test names (the groups' roles then decide, as in production, what the user may do).
import type pg from "pg";
import { loadPrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";

export interface TestPrincipalOptions {
  /** Groups the user belongs to; their roles decide what the user may do. */
  groups?: string[];
  email?: string;
  name?: string;
  /** A service identity (schedules, runbooks) instead of a person. */
  kind?: "human" | "service";
}

export async function createTestPrincipal(
  pool: Pick<pg.Pool, "query">,
  options: TestPrincipalOptions,
): Promise<Principal> {
  const kind = options.kind ?? "human";
  const id = newId(kind === "service" ? "svc" : "usr");
  const email = kind === "service" ? null : (options.email ?? `${id.toLowerCase()}@test.airlock`);
  await pool.query(
    "INSERT INTO airlock.users (id, kind, email, name, source) VALUES ($1, $2, $3, $4, 'admin')",
    [id, kind, email, options.name ?? email ?? id],
  );
  for (const group of options.groups ?? []) {
    await pool.query(
      "INSERT INTO airlock.groups (id, name, source) VALUES ($1, $2, 'admin') ON CONFLICT (name) DO NOTHING",
      [newId("grp"), group],
    );
    await pool.query(
      "INSERT INTO airlock.group_members (group_id, user_id) SELECT id, $2 FROM airlock.groups WHERE name = $1",
      [group, id],
    );
  }
  const principal = await loadPrincipal(pool, id, kind === "service" ? "service" : "token");
  if (!principal) throw new Error(`the test principal ${id} could not be loaded`);
  return principal;
}
