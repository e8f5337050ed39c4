// Template databases for one test run: migrated once, then cloned per test file. Names carry the
// run's id so that runs sharing a server (TEST_DATABASE_URL) never touch each other's databases.

import { prepareDatabase } from "../../src/runtime/prepare-database.ts";
import { ownerClient } from "../../src/store/database.ts";
import { quoteIdent } from "../../src/store/embedded-postgres.ts";
import { AIRLOCK_MIGRATIONS } from "../../src/store/migrate.ts";

export interface Templates {
  /** Airlock's schema and the engine's, no workspace data. */
  bare: string;
  /** `bare` plus the demo workspace's migrations and seeded data: built when first asked for. */
  demo: string;
}

export function testDbPrefix(runId: string): string {
  return `t_${runId}_`;
}

export async function prepareTemplates(serverUrl: string, runId: string): Promise<Templates> {
  const bare = `airlock_tpl_${runId}_bare`;
  await buildTemplate(serverUrl, bare, async (url) => {
    await prepareDatabase(url, [AIRLOCK_MIGRATIONS]);
  });
  return { bare, demo: `airlock_tpl_${runId}_demo` };
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function buildTemplate(serverUrl: string, name: string, build: (url: string) => Promise<void>) {
  const client = await ownerClient(serverUrl);
  try {
    await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await client.end();
  }
  await build(databaseUrl(serverUrl, name));
}

export async function dropTestDatabases(serverUrl: string, runId: string, templates: Templates) {
  const client = await ownerClient(serverUrl);
  try {
    const pattern = `${testDbPrefix(runId).replaceAll("_", "\\_")}%`;
    const rows = await client.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [pattern]);
    const building = `${templates.demo}_building`;
    for (const name of [
      ...rows.rows.map((r) => r.datname as string),
      ...Object.values(templates),
      building,
    ]) {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
