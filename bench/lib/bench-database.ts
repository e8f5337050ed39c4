// The benchmark's PostgreSQL: DATABASE_URL, or a throwaway embedded server (fsync on, defaults).
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { ownerClient } from "../../src/store/database.ts";
import { quoteIdent, removeAbandoned, startEmbeddedPostgres } from "../../src/store/embedded-postgres.ts";

export interface BenchDatabase {
  serverUrl: string;
  url: string;
  version: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function benchDatabase(): Promise<BenchDatabase> {
  const id = randomBytes(3).toString("hex");
  let serverUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | null = null;
  if (!serverUrl) {
    const dataDir = resolve(import.meta.dirname, "..", "..", ".airlock", `bench-pg-${id}`);
    const handle = await startEmbeddedPostgres({ dataDir, database: "postgres" });
    serverUrl = handle.url;
    stop = async () => {
      await handle.stop();
      await removeAbandoned(dataDir);
    };
  }
  const name = `airlock_bench_${id}`;
  const admin = await ownerClient(serverUrl);
  const version = (await admin.query("SHOW server_version")).rows[0].server_version as string;
  await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    serverUrl,
    url: url.toString(),
    version,
    embedded: stop !== null,
    async close() {
      const client = await ownerClient(serverUrl!);
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(() => {});
      await client.end();
      await stop?.();
    },
  };
}
