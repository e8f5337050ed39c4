// One fresh database per test file, cloned from a migrated template (see test/run.ts).
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { ownerClient } from "../../src/store/database.ts";
import { quoteIdent } from "../../src/store/embedded-postgres.ts";
import { ensureDemoTemplate } from "./demo-template.ts";
import { databaseUrl, type Templates, testDbPrefix } from "./templates.ts";

export interface TestDatabase {
  name: string;
  /** Owner (superuser) URL of this database. */
  url: string;
  drop(): Promise<void>;
}

export function testServerUrl(): string {
  const url = process.env.AIRLOCK_TEST_SERVER_URL;
  if (!url)
    throw new Error("Run the tests with `npm test` (it starts PostgreSQL and prepares the templates).");
  return url;
}

export async function createTestDatabase(
  options: { template?: keyof Templates | "empty"; label?: string } = {},
): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const templates = JSON.parse(process.env.AIRLOCK_TEST_TEMPLATES ?? "{}") as Templates;
  const kind = options.template ?? "bare";
  if (kind === "demo") await ensureDemoTemplate(serverUrl, templates);
  const template = kind === "empty" ? "template0" : templates[kind];
  const label = (options.label ?? basename(process.argv[1] ?? "test", ".test.ts"))
    .replace(/[^a-z0-9]+/gi, "_")
    .toLowerCase()
    .slice(0, 30);
  const name = `${testDbPrefix(process.env.AIRLOCK_TEST_RUN ?? "x")}${label}_${randomBytes(4).toString("hex")}`;
  const client = await ownerClient(serverUrl);
  try {
    await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
    // A commit here need not wait for its WAL to reach the disk (an fsync, milliseconds on a busy
    // machine, thousands of times per file): it is still atomic and visible at once, and only a
    // crash of the test server could lose it. Tests that crash PostgreSQL start their own.
    await client.query(`ALTER DATABASE ${quoteIdent(name)} SET synchronous_commit = off`);
  } finally {
    await client.end();
  }
  return {
    name,
    url: databaseUrl(serverUrl, name),
    async drop() {
      const admin = await ownerClient(serverUrl);
      try {
        // A pool's end() resolves once it has asked its connections to close, not once they have:
        // forced at once, the drop can still reach one, whose FATAL error the test's pool (with no
        // error listener of its own) would throw as an uncaught exception. They get a moment first.
        for (let waited = 0; waited < 1_000; waited += 20) {
          const { rows } = await admin.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
            [name],
          );
          if (rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** One statement as the database's owner, on a connection of its own; its rows. */
export async function queryAsOwner<T = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = await ownerClient(url);
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
