// The demo workspace's data as a template database, built once per test run by the first file
// that asks for it and cloned by every file that starts the demo (CREATE DATABASE … TEMPLATE):
// building the demo's 100,000 transactions took 5-9 s of CPU per file (two thirds of it in
// JavaScript), a clone about a second. Seeding itself keeps its own tests (test/demo/seed.test.ts
// seeds fresh databases); files that clone still call seedDemo, which finds its marker and
// returns, as it does on every restart of a seeded server.
import { seedDemo } from "../../examples/demo/seed.ts";
import { ownerClient } from "../../src/store/database.ts";
import { quoteIdent } from "../../src/store/embedded-postgres.ts";
import { AIRLOCK_MIGRATIONS, migrate } from "../../src/store/migrate.ts";
import { databaseUrl, type Templates } from "./templates.ts";

export const DEMO_MIGRATIONS = {
  scope: "workspace:demo",
  dir: new URL("../../examples/demo/migrations/", import.meta.url).pathname,
};

/**
 * Makes sure the run's demo template exists. Files asking at once wait on one advisory lock; the
 * template is built under another name and renamed when complete, so a build killed half-way is
 * never cloned.
 */
export async function ensureDemoTemplate(serverUrl: string, templates: Templates): Promise<void> {
  const client = await ownerClient(serverUrl);
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [templates.demo]);
    const present = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [templates.demo]);
    if (present.rowCount === 0) {
      const building = `${templates.demo}_building`;
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(building)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${quoteIdent(building)} TEMPLATE ${quoteIdent(templates.bare)}`);
      const url = databaseUrl(serverUrl, building);
      await migrate(url, [AIRLOCK_MIGRATIONS, DEMO_MIGRATIONS]);
      const seeder = await ownerClient(url);
      try {
        await seedDemo(seeder);
      } finally {
        await seeder.end();
      }
      await client.query(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(templates.demo)}`);
    }
  } finally {
    await client.end();
  }
}
