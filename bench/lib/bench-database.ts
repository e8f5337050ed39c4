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
  /** Another database on the same server (for a part whose data must not weigh on the others). */
  another(label: string): Promise<{ url: string; drop(): Promise<void> }>;
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
  const others = new Set<string>();
  const drop = async (database: string) => {
    const client = await ownerClient(serverUrl!);
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`).catch(() => {});
    await client.end();
    others.delete(database);
  };
  return {
    serverUrl,
    url: url.toString(),
    version,
    embedded: stop !== null,
    async another(label) {
      const other = `${name}_${label}`;
      const client = await ownerClient(serverUrl!);
      await client.query(`CREATE DATABASE ${quoteIdent(other)}`);
      await client.end();
      others.add(other);
      const otherUrl = new URL(serverUrl!);
      otherUrl.pathname = `/${other}`;
      return { url: otherUrl.toString(), drop: () => drop(other) };
    },
    async close() {
      for (const other of [...others]) await drop(other);
      await drop(name);
      await stop?.();
    },
  };
}
