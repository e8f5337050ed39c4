// Test users: created straight in the database (the admin API is tested on its own).
import type pg from "pg";
import { createApiToken } from "../../src/identity/api-tokens.ts";
import { hashPassword } from "../../src/identity/passwords.ts";
import { newId } from "../../src/ids/ids.ts";

export interface TestUser {
  id: string;
  email: string;
  token: string;
  /** Headers for an API call as this user. */
  headers: Record<string, string>;
}

export const PASSWORD = "correct horse battery staple";

interface NewUser {
  email?: string;
  name?: string;
  groups?: string[];
  kind?: "human" | "service";
  /** A password hash (hashPassword), for people who sign in with a password. */
  passwordHash?: string;
}

/** A user and their group memberships, straight in the database; no credentials but the hash. */
async function insertUser(
  pool: Pick<pg.Pool, "query">,
  options: NewUser,
): Promise<{ id: string; email: string }> {
  const id = newId(options.kind === "service" ? "svc" : "usr");
  const email = options.email ?? `${id.toLowerCase()}@test.airlock`;
  await pool.query(
    "INSERT INTO airlock.users (id, kind, email, name, password_hash, source) VALUES ($1, $2, $3, $4, $5, 'admin')",
    [
      id,
      options.kind ?? "human",
      options.kind === "service" ? null : email,
      options.name ?? email,
      options.passwordHash ?? null,
    ],
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
  return { id, email };
}

/** A user with an API token (and, given a hash, a password). */
export async function createUser(pool: Pick<pg.Pool, "query">, options: NewUser = {}): Promise<TestUser> {
  const { id, email } = await insertUser(pool, options);
  const { token } = await createApiToken(pool, { userId: id, name: "test", createdBy: id });
  return {
    id,
    email,
    token,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  };
}

/** A human user who signs in with a password (and holds no API token). */
export async function createPasswordUser(
  pool: Pick<pg.Pool, "query">,
  options: { email?: string; password?: string; groups?: string[]; name?: string } = {},
): Promise<{ id: string; email: string; password: string }> {
  const password = options.password ?? PASSWORD;
  const { id, email } = await insertUser(pool, { ...options, passwordHash: await hashPassword(password) });
  return { id, email, password };
}
