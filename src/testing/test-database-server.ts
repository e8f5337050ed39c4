// Where the testing helper's databases live: the PostgreSQL server at AIRLOCK_TEST_DATABASE_URL
// (a superuser URL; fastest, what CI should set), or an embedded PostgreSQL started for this test
// file under .airlock/test-pg-<id> and removed when the file is done. Either way each test file
// gets a database of its own, created here and dropped at close.
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { ownerClient } from "../store/database.ts";
import { quoteIdent, removeAbandoned, startEmbeddedPostgres } from "../store/embedded-postgres.ts";

export interface TestDatabaseHandle {
  /** Owner (superuser) URL of the fresh database. */
  url: string;
  drop(): Promise<void>;
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh, empty database for one test file. */
export async function freshTestDatabase(
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<TestDatabaseHandle> {
  const id = randomBytes(4).toString("hex");
  let serverUrl = env.AIRLOCK_TEST_DATABASE_URL;
  let stopServer = async () => {};
  if (!serverUrl) {
    const base = resolve(cwd, ".airlock");
    // Folders of test files that were killed before their close: their owner is gone.
    for (const entry of listSafe(base)) {
      if (entry.startsWith("test-pg-"))
        await removeAbandoned(resolve(base, entry), { minAgeMs: 10 * 60_000 });
    }
    const dataDir = resolve(base, `test-pg-${id}`);
    const handle = await startEmbeddedPostgres({ dataDir, database: "postgres" });
    serverUrl = handle.url;
    stopServer = async () => {
      await handle.stop();
      rmSync(handle.pgDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const name = `airlock_test_${Date.now().toString(36)}_${id}`;
  const admin = await ownerClient(serverUrl);
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`);
  } catch (error) {
    await stopServer();
    throw error;
  } finally {
    await admin.end();
  }
  const owner = serverUrl;
  return {
    url: withDatabase(owner, name),
    async drop() {
      const client = await ownerClient(owner);
      try {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await client.end();
        await stopServer();
      }
    },
  };
}

function listSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
