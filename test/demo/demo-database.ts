// A fresh database with Airlock's and the demo workspace's migrations, for the demo's tests.
import { ownerClient } from "../../src/store/database.ts";
import { AIRLOCK_MIGRATIONS, migrate } from "../../src/store/migrate.ts";
import { DEMO_MIGRATIONS } from "../support/demo-template.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

export { DEMO_MIGRATIONS };

/** Not seeded: cloned from the run's migrated template, then the demo's migrations. */
export async function migratedDemoDatabase(label: string): Promise<TestDatabase> {
  const db = await createTestDatabase({ label });
  await migrate(db.url, [AIRLOCK_MIGRATIONS, DEMO_MIGRATIONS]);
  return db;
}

/** Migrated and seeded: a clone of the run's demo template (test/support/demo-template.ts). */
export async function seededDemoDatabase(label: string): Promise<TestDatabase> {
  return await createTestDatabase({ template: "demo", label });
}

/** Runs `work` with an owner connection that is closed afterwards. */
export async function asOwner<T>(url: string, work: (client: import("pg").Client) => Promise<T>): Promise<T> {
  const client = await ownerClient(url);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One checksum per domain table, over every row's text, for comparing two databases. */
export async function domainChecksums(url: string): Promise<Record<string, string>> {
  return await asOwner(url, async (client) => {
    const tables = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'demo' AND tablename <> 'seed_info' ORDER BY 1",
    );
    const sums: Record<string, string> = {};
    for (const { tablename } of tables.rows) {
      const result = await client.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum
           FROM demo."${tablename}" t`,
      );
      sums[tablename] = `${result.rows[0].n}:${result.rows[0].sum}`;
    }
    return sums;
  });
}
