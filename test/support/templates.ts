// Template databases for the test run: migrated once, then cloned per test file.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { prepareDatabase } from "../../src/runtime/prepare-database.ts";
import { ownerClient } from "../../src/store/database.ts";
import { quoteIdent } from "../../src/store/embedded-postgres.ts";
import { AIRLOCK_MIGRATIONS } from "../../src/store/migrate.ts";

export interface Templates {
  /** Airlock's schema and the engine's, no workspace data. */
  bare: string;
}

export const TEST_DB_PREFIX = "t_";

export async function prepareTemplates(serverUrl: string): Promise<Templates> {
  const hash = fingerprint([
    AIRLOCK_MIGRATIONS.dir,
    new URL("../../node_modules/pg-boss/package.json", import.meta.url).pathname,
  ]);
  const bare = `airlock_tpl_bare_${hash}`;
  await dropTestDatabases(serverUrl, { keepFailed: false });
  await ensureTemplate(serverUrl, bare, async (url) => {
    await prepareDatabase(url, [AIRLOCK_MIGRATIONS]);
  });
  return { bare };
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function ensureTemplate(serverUrl: string, name: string, build: (url: string) => Promise<void>) {
  const client = await ownerClient(serverUrl);
  try {
    const existing = await client.query(
      "SELECT d.datname, shobj_description(d.oid, 'pg_database') AS note FROM pg_database d WHERE d.datname = $1",
      [name],
    );
    if (existing.rows[0]?.note === "ready") return;
    // Old templates of earlier migration sets are dropped so they do not pile up.
    const stale = await client.query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'airlock_tpl_%' AND datname <> $1",
      [name],
    );
    for (const row of stale.rows) {
      await client.query(`ALTER DATABASE ${quoteIdent(row.datname)} IS_TEMPLATE false`).catch(() => {});
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(row.datname)} WITH (FORCE)`);
    }
    if (existing.rowCount) await client.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`);
    await build(databaseUrl(serverUrl, name));
    await client.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS 'ready'`);
  } finally {
    await client.end();
  }
}

export async function dropTestDatabases(serverUrl: string, options: { keepFailed: boolean }) {
  if (options.keepFailed) return;
  const client = await ownerClient(serverUrl);
  try {
    const rows = await client.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `${TEST_DB_PREFIX.replaceAll("_", "\\_")}%`,
    ]);
    for (const row of rows.rows) {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(row.datname)} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

function fingerprint(paths: string[]): string {
  const hash = createHash("sha256");
  for (const path of paths) {
    let entries: string[];
    try {
      entries = readdirSync(path).sort();
    } catch {
      hash.update(readFileSync(path));
      continue;
    }
    for (const entry of entries) {
      hash.update(entry);
      hash.update(readFileSync(join(path, entry)));
    }
  }
  return hash.digest("hex").slice(0, 10);
}
