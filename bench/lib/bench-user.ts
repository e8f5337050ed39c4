// The benchmarks' person: a human user in the `bench` group (made once per database; the group is
// shared by every bench user on it). The bench workspaces grant `bench` what they measure.
import type pg from "pg";
import { newId } from "../../src/ids/ids.ts";

export async function createBenchUser(pool: pg.Pool): Promise<string> {
  const userId = newId("usr");
  await pool.query("INSERT INTO airlock.users (id, kind, email, name) VALUES ($1, 'human', $2, $2)", [
    userId,
    `${userId}@bench.local`,
  ]);
  await pool.query(
    "INSERT INTO airlock.groups (id, name, source) VALUES ($1, 'bench', 'admin') ON CONFLICT (name) DO NOTHING",
    [newId("grp")],
  );
  await pool.query(
    "INSERT INTO airlock.group_members (group_id, user_id) SELECT id, $1 FROM airlock.groups WHERE name = 'bench'",
    [userId],
  );
  return userId;
}
