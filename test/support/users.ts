// Test users: created straight in the database (the admin API is tested on its own).
import type pg from "pg";
import { createApiToken } from "../../src/identity/api-tokens.ts";
import { newId } from "../../src/ids/ids.ts";

export interface TestUser {
  id: string;
  email: string;
  token: string;
  /** Headers for an API call as this user. */
  headers: Record<string, string>;
}

export async function createUser(
  pool: Pick<pg.Pool, "query">,
  options: { email?: string; name?: string; groups?: string[]; kind?: "human" | "service" } = {},
): Promise<TestUser> {
  const id = newId(options.kind === "service" ? "svc" : "usr");
  const email = options.email ?? `${id.toLowerCase()}@test.airlock`;
  await pool.query(
    "INSERT INTO airlock.users (id, kind, email, name, source) VALUES ($1, $2, $3, $4, 'admin')",
    [id, options.kind ?? "human", options.kind === "service" ? null : email, options.name ?? email],
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
  const { token } = await createApiToken(pool, { userId: id, name: "test", createdBy: id });
  return {
    id,
    email,
    token,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  };
}
