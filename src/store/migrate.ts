// Forward-only migrations from plain numbered `.sql` files. Each file runs in its own
// transaction; the whole run holds a session advisory lock so that two processes starting at once
// apply each migration exactly once (the second waits, then finds nothing to do).
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";
import { StartupError } from "../errors/startup-error.ts";
import { ownerClient } from "./database.ts";

/** A set of migrations applied under one name, e.g. Airlock's own or a workspace's domain schema. */
export interface MigrationSource {
  scope: string;
  dir: string;
}

export interface Migration {
  scope: string;
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
}

// Any constant works as long as every Airlock process uses the same one.
const MIGRATION_LOCK = 7_240_911_001;
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export const AIRLOCK_MIGRATIONS: MigrationSource = {
  scope: "airlock",
  dir: new URL("../../migrations/", import.meta.url).pathname,
};

export async function loadMigrations(source: MigrationSource): Promise<Migration[]> {
  const files = (await readdir(source.dir)).filter((f) => f.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new StartupError(
        "migrate.bad_file_name",
        `Migration file ${join(source.dir, file)} must be named NNNN_snake_name.sql.`,
      );
    }
    const sql = await readFile(join(source.dir, file), "utf8");
    migrations.push({
      scope: source.scope,
      version: Number(match[1]),
      name: match[2]!,
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    });
  }
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version)) {
      throw new StartupError(
        "migrate.duplicate_version",
        `Two migrations in ${source.dir} share version ${m.version}.`,
      );
    }
    seen.add(m.version);
  }
  return migrations;
}

export async function migrate(url: string, sources: MigrationSource[]): Promise<MigrateResult> {
  const client = await ownerClient(url);
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS airlock;
      CREATE TABLE IF NOT EXISTS airlock.schema_migrations (
        scope text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, version)
      );`);
    for (const source of sources) {
      const migrations = await loadMigrations(source);
      const done = await client.query<{ version: number; checksum: string; name: string }>(
        "SELECT version, checksum, name FROM airlock.schema_migrations WHERE scope = $1",
        [source.scope],
      );
      const byVersion = new Map(done.rows.map((r) => [r.version, r]));
      for (const m of migrations) {
        const prior = byVersion.get(m.version);
        if (prior) {
          if (prior.checksum !== m.checksum) {
            throw new StartupError(
              "migrate.edited",
              `Migration ${m.scope}/${pad(m.version)}_${m.name} was changed after it was applied. ` +
                "Migrations are forward-only: restore the file and add a new migration instead.",
            );
          }
          continue;
        }
        await applyOne(client, m);
        applied.push(`${m.scope}/${pad(m.version)}_${m.name}`);
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
  return { applied };
}

async function applyOne(client: pg.Client, m: Migration) {
  try {
    await client.query("BEGIN");
    await client.query(m.sql);
    await client.query(
      "INSERT INTO airlock.schema_migrations (scope, version, name, checksum) VALUES ($1, $2, $3, $4)",
      [m.scope, m.version, m.name, m.checksum],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    const detail = error instanceof Error ? error.message : String(error);
    throw new StartupError(
      "migrate.failed",
      `Migration ${m.scope}/${pad(m.version)}_${m.name} failed and was rolled back (nothing of it applied): ${detail}`,
    );
  }
}

/** Which migrations of these sources are not yet applied (for /readyz). */
export async function pendingMigrations(
  client: pg.ClientBase,
  sources: MigrationSource[],
): Promise<string[]> {
  const exists = await client.query("SELECT to_regclass('airlock.schema_migrations') AS t");
  const pending: string[] = [];
  const done = exists.rows[0]?.t
    ? await client.query<{ scope: string; version: number }>(
        "SELECT scope, version FROM airlock.schema_migrations",
      )
    : { rows: [] as { scope: string; version: number }[] };
  const key = new Set(done.rows.map((r) => `${r.scope}/${r.version}`));
  for (const source of sources) {
    for (const m of await loadMigrations(source)) {
      if (!key.has(`${m.scope}/${m.version}`)) pending.push(`${m.scope}/${pad(m.version)}_${m.name}`);
    }
  }
  return pending;
}

function pad(n: number) {
  return String(n).padStart(4, "0");
}
